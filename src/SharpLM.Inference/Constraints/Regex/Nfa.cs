using SharpLM.Core;

namespace SharpLM.Inference.Constraints.Regex;

/// <summary>
/// A Thompson NFA over code points: every state has empty-string edges and at most one edge on a code-point
/// set. Built from a <see cref="RegexNode"/> tree; counted repetitions are unrolled into copies.
/// </summary>
public sealed class Nfa
{
    /// <summary>Unrolled repetitions can multiply; past this many states the pattern is refused.</summary>
    public const int MaxStates = 200_000;

    private readonly List<List<int>> _epsilon = [];
    private readonly List<(CodePointSet Set, int Target)?> _edge = [];
    private readonly string _pattern;

    public int Start { get; }
    public int Accept { get; }
    public int StateCount => _edge.Count;

    /// <summary>States from which the accept state can still be reached; the rest are dropped from every DFA state.</summary>
    public bool[] Live { get; }

    public Nfa(RegexNode root, string pattern)
    {
        _pattern = pattern;
        (Start, Accept) = Build(root);
        Live = ComputeLive();
    }

    public IReadOnlyList<int> EpsilonEdges(int state) => _epsilon[state];
    public (CodePointSet Set, int Target)? Edge(int state) => _edge[state];

    private int NewState()
    {
        if (_edge.Count >= MaxStates)
            throw new SharpLMException($"regular expression '{_pattern}': needs more than {MaxStates} automaton states; use smaller repetition counts.");
        _epsilon.Add([]);
        _edge.Add(null);
        return _edge.Count - 1;
    }

    private (int Start, int End) Build(RegexNode node)
    {
        switch (node)
        {
            case EmptyNode:
            {
                int s = NewState();
                return (s, s);
            }
            case ClassNode c:
            {
                int s = NewState(), e = NewState();
                if (!c.Set.IsEmpty) _edge[s] = (c.Set, e); // an empty class matches nothing: leave no edge
                return (s, e);
            }
            case ConcatNode concat:
            {
                var (start, end) = Build(concat.Parts[0]);
                for (int i = 1; i < concat.Parts.Count; i++)
                {
                    var (s, e) = Build(concat.Parts[i]);
                    _epsilon[end].Add(s);
                    end = e;
                }
                return (start, end);
            }
            case AlternationNode alternation:
            {
                int s = NewState(), e = NewState();
                foreach (var choice in alternation.Choices)
                {
                    var (cs, ce) = Build(choice);
                    _epsilon[s].Add(cs);
                    _epsilon[ce].Add(e);
                }
                return (s, e);
            }
            case RepeatNode repeat:
            {
                int start = NewState(), end = start;
                for (int i = 0; i < repeat.Min; i++)
                {
                    var (s, e) = Build(repeat.Body);
                    _epsilon[end].Add(s);
                    end = e;
                }
                if (repeat.Max is null)
                {
                    var (s, e) = Build(repeat.Body);
                    int exit = NewState();
                    _epsilon[end].Add(s);
                    _epsilon[end].Add(exit);
                    _epsilon[e].Add(s);
                    _epsilon[e].Add(exit);
                    return (start, exit);
                }
                int final = NewState();
                for (int i = repeat.Min; i < repeat.Max; i++)
                {
                    var (s, e) = Build(repeat.Body);
                    _epsilon[end].Add(s);
                    _epsilon[end].Add(final);
                    end = e;
                }
                _epsilon[end].Add(final);
                return (start, final);
            }
            default:
                throw new InvalidOperationException($"unknown regex node {node.GetType().Name}");
        }
    }

    private bool[] ComputeLive()
    {
        var reverse = new List<int>[StateCount];
        for (int i = 0; i < StateCount; i++) reverse[i] = [];
        for (int s = 0; s < StateCount; s++)
        {
            foreach (int t in _epsilon[s]) reverse[t].Add(s);
            if (_edge[s] is { } edge) reverse[edge.Target].Add(s);
        }
        var live = new bool[StateCount];
        var pending = new Stack<int>();
        live[Accept] = true;
        pending.Push(Accept);
        while (pending.Count > 0)
            foreach (int p in reverse[pending.Pop()])
                if (!live[p])
                {
                    live[p] = true;
                    pending.Push(p);
                }
        return live;
    }
}
