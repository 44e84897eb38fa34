namespace SharpLM.Inference.Constraints.Regex;

/// <summary>
/// A regular expression as a lazily built DFA over code points, with full-match semantics.
///
/// Why not System.Text.RegularExpressions: constrained generation must ask, after every candidate token,
/// whether the text so far can still grow into a match, and .NET's Regex only answers whether a whole string
/// matches (it has no partial-match or prefix-viability query and exposes no automaton state to resume from).
/// Here each DFA state is the set of NFA states still able to reach the accept state, so "the prefix is viable"
/// is simply "the state is not empty", and stepping is a binary search in the state's transition table.
/// DFA states are built on first use, so patterns whose full DFA would be large cost only the states visited.
/// </summary>
public sealed class RegexAutomaton
{
    private readonly Nfa _nfa;
    private readonly List<DfaState> _states = [];
    private readonly Dictionary<int[], DfaState> _bySet = new(new SetComparer());
    private readonly object _gate = new();

    public string Pattern { get; }

    public RegexAutomaton(string pattern)
    {
        Pattern = pattern;
        _nfa = new Nfa(RegexParser.Parse(pattern), pattern);
        Start = Intern(Closure([_nfa.Start]));
    }

    /// <summary>The state before any text; null when the pattern matches nothing at all.</summary>
    public CharState? Start { get; }

    /// <summary>Whether <paramref name="text"/> matches the whole pattern (a reference use of the automaton).</summary>
    public bool IsMatch(string text)
    {
        var state = Start;
        for (int i = 0; i < text.Length && state is not null; i += char.IsSurrogatePair(text, i) ? 2 : 1)
            state = state.Step(char.ConvertToUtf32(text, i));
        return state?.IsComplete == true;
    }

    /// <summary>Whether <paramref name="prefix"/> can still be extended into a match.</summary>
    public bool IsViablePrefix(string prefix)
    {
        var state = Start;
        for (int i = 0; i < prefix.Length && state is not null; i += char.IsSurrogatePair(prefix, i) ? 2 : 1)
            state = state.Step(char.ConvertToUtf32(prefix, i));
        return state is not null;
    }

    private int[] Closure(IEnumerable<int> seeds)
    {
        var seen = new HashSet<int>();
        var pending = new Stack<int>(seeds);
        while (pending.Count > 0)
        {
            int s = pending.Pop();
            if (!_nfa.Live[s] || !seen.Add(s)) continue;
            foreach (int t in _nfa.EpsilonEdges(s)) pending.Push(t);
        }
        var set = seen.ToArray();
        Array.Sort(set);
        return set;
    }

    private DfaState? Intern(int[] set)
    {
        if (set.Length == 0) return null;
        lock (_gate)
        {
            if (_bySet.TryGetValue(set, out var existing)) return existing;
            var state = new DfaState(this, set, Array.IndexOf(set, _nfa.Accept) >= 0);
            _bySet.Add(set, state);
            _states.Add(state);
            return state;
        }
    }

    /// <summary>The disjoint code-point intervals leaving <paramref name="set"/>, each with its (non-empty) target.</summary>
    private (int[] Lows, int[] Highs, DfaState[] Targets) BuildTransitions(int[] set)
    {
        var edges = new List<(CodePointSet Set, int Target)>();
        var cuts = new SortedSet<int>();
        foreach (int s in set)
            if (_nfa.Edge(s) is { } edge && _nfa.Live[edge.Target])
            {
                edges.Add(edge);
                foreach (var (low, high) in edge.Set.Ranges)
                {
                    cuts.Add(low);
                    cuts.Add(high + 1);
                }
            }
        var lows = new List<int>();
        var highs = new List<int>();
        var targets = new List<DfaState>();
        var points = cuts.ToArray();
        for (int i = 0; i + 1 < points.Length; i++)
        {
            int low = points[i], high = points[i + 1] - 1;
            var next = edges.Where(e => e.Set.Contains(low)).Select(e => e.Target).ToList();
            if (next.Count == 0 || Intern(Closure(next)) is not { } target) continue;
            if (targets.Count > 0 && ReferenceEquals(targets[^1], target) && highs[^1] + 1 == low) highs[^1] = high;
            else
            {
                lows.Add(low);
                highs.Add(high);
                targets.Add(target);
            }
        }
        return (lows.ToArray(), highs.ToArray(), targets.ToArray());
    }

    private sealed class DfaState(RegexAutomaton owner, int[] set, bool accepting) : CharState
    {
        private (int[] Lows, int[] Highs, DfaState[] Targets)? _transitions;

        private DfaState?[]? _ascii;

        private (int[] Lows, int[] Highs, DfaState[] Targets) Transitions => _transitions ??= owner.BuildTransitions(set);

        /// <summary>Targets for ASCII code points in a flat table: most token bytes are ASCII, and this is the masking walk's inner step.</summary>
        private DfaState?[] Ascii
        {
            get
            {
                if (_ascii is { } table) return table;
                table = new DfaState?[128];
                for (int c = 0; c < 128; c++) table[c] = Search(c);
                return _ascii = table;
            }
        }

        public override CharState? Step(int codePoint) => codePoint < 128 ? Ascii[codePoint] : Search(codePoint);

        private DfaState? Search(int codePoint)
        {
            var (lows, highs, targets) = Transitions;
            int lo = 0, hi = lows.Length - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (codePoint < lows[mid]) hi = mid - 1;
                else if (codePoint > highs[mid]) lo = mid + 1;
                else return targets[mid];
            }
            return null;
        }

        public override bool AcceptsAnyIn(int low, int high)
        {
            var (lows, highs, _) = Transitions;
            for (int i = 0; i < lows.Length; i++)
                if (lows[i] <= high && highs[i] >= low) return true;
            return false;
        }

        public override bool IsComplete => accepting;
        public override bool CanContinue => Transitions.Lows.Length > 0;
        public override bool IsShared => true;
    }

    private sealed class SetComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] set)
        {
            var hash = new HashCode();
            foreach (int s in set) hash.Add(s);
            return hash.ToHashCode();
        }
    }
}
