namespace SharpLM.Evaluation.Metrics;

public sealed record TerScore(double Score, double Edits, double ReferenceLength, string Signature);

/// <summary>
/// TER as sacreBLEU 2.x computes it with its defaults (tercom tokenization without normalization, case-insensitive):
/// the fewest word edits (insertions, deletions, substitutions, and shifts of word blocks) turning the hypothesis
/// into a reference, over the average reference length, in percent. Shifts are chosen greedily the way Tercom ranks
/// them (largest gain, then longest block, earliest start, earliest target), blocks of up to 10 words moved at most
/// 50 positions, at most 1000 candidates per segment, on a beam of 25 cells around the length-scaled diagonal.
/// </summary>
public sealed class Ter
{
    private const int MaxShiftSize = 10, MaxShiftDistance = 50, BeamWidth = 25, MaxShiftCandidates = 1000;
    private const long Infinity = 10_000_000_000_000_000;
    private const char Insert = 'i', Delete = 'd', Keep = ' ', Substitute = 's', Undefined = 'x';

    public static string Signature(int references) => $"nrefs:{references}|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.x";

    public TerScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        ReferenceStreams.Check(hypotheses, references);
        double edits = 0, length = 0;
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var (e, l) = SegmentStatistics(hypotheses[i], references.Select(r => r[i]).ToList());
            edits += e;
            length += l;
        }
        return Result(edits, length, references.Count);
    }

    public TerScore Sentence(string hypothesis, IReadOnlyList<string> references)
    {
        var (edits, length) = SegmentStatistics(hypothesis, references);
        return Result(edits, length, references.Count);
    }

    private static TerScore Result(double edits, double length, int references)
    {
        double score = length > 0 ? edits / length : edits > 0 ? 1 : 0;
        return new TerScore(100 * score, edits, length, Signature(references));
    }

    /// <summary>The fewest edits over the references, and the references' average length.</summary>
    private static (double Edits, double Length) SegmentStatistics(string hypothesis, IReadOnlyList<string> references)
    {
        var hypothesisWords = Words(hypothesis);
        double best = double.MaxValue, total = 0;
        foreach (string reference in references)
        {
            var referenceWords = Words(reference);
            best = Math.Min(best, EditRate(hypothesisWords, referenceWords));
            total += referenceWords.Count;
        }
        return (best, total / references.Count);
    }

    private static List<string> Words(string segment) => PythonText.Split(PythonText.TrimEnd(segment).ToLowerInvariant());

    private static int EditRate(List<string> hypothesis, List<string> reference)
    {
        if (reference.Count == 0) return hypothesis.Count;
        int shifts = 0, checkedCandidates = 0;
        var current = hypothesis;
        while (true)
        {
            var (gain, shifted) = BestShift(current, reference, ref checkedCandidates);
            if (checkedCandidates >= MaxShiftCandidates || gain <= 0) break;
            shifts++;
            current = shifted;
        }
        return shifts + (int)EditDistance(current, reference).Distance;
    }

    private static (long Gain, List<string> Shifted) BestShift(List<string> words, List<string> reference, ref int checkedCandidates)
    {
        var (before, inverseTrace) = EditDistance(words, reference);
        // The alignment is read as if the reference were rewritten into the hypothesis: insertions and deletions swap.
        var (align, referenceErrors, hypothesisErrors) = Alignment(inverseTrace.Select(op => op == Insert ? Delete : op == Delete ? Insert : op));
        (long Gain, int Length, int NegStart, int NegTarget)? best = null;
        List<string>? bestWords = null;
        foreach (var (startH, startR, length) in MatchingBlocks(words, reference))
        {
            if (hypothesisErrors.Skip(startH).Take(length).Sum() == 0) continue;
            if (referenceErrors.Skip(startR).Take(length).Sum() == 0) continue;
            if (align.TryGetValue(startR, out int alignedStart) && startH <= alignedStart && alignedStart < startH + length) continue;
            int previous = -1;
            for (int offset = -1; offset < length; offset++)
            {
                int target;
                if (startR + offset == -1) target = 0;
                else if (align.TryGetValue(startR + offset, out int aligned)) target = aligned + 1;
                else break;
                if (target == previous) continue;
                previous = target;
                var shifted = Shift(words, startH, length, target);
                var candidate = (before - EditDistance(shifted, reference).Distance, length, -startH, -target);
                checkedCandidates++;
                if (best is null || candidate.CompareTo(best.Value) > 0)
                {
                    best = candidate;
                    bestWords = shifted;
                }
            }
            if (checkedCandidates >= MaxShiftCandidates) break;
        }
        return best is null ? (0, words) : (best.Value.Gain, bestWords!);
    }

    private static List<string> Shift(List<string> words, int start, int length, int target)
    {
        var block = words.GetRange(start, length);
        if (target < start) return [.. words.Take(target), .. block, .. words.Skip(target).Take(start - target), .. words.Skip(start + length)];
        if (target > start + length) return [.. words.Take(start), .. words.Skip(start + length).Take(target - start - length), .. block, .. words.Skip(target)];
        return [.. words.Take(start), .. words.Skip(start + length).Take(target - start), .. block, .. words.Skip(length + target)];
    }

    /// <summary>Word blocks equal in both lists, by start in the hypothesis, start in the reference, then length.</summary>
    private static IEnumerable<(int StartH, int StartR, int Length)> MatchingBlocks(List<string> words, List<string> reference)
    {
        for (int startH = 0; startH < words.Count; startH++)
            for (int startR = 0; startR < reference.Count; startR++)
            {
                if (Math.Abs(startR - startH) > MaxShiftDistance) continue;
                int length = 0;
                while (words[startH + length] == reference[startR + length] && length < MaxShiftSize)
                {
                    length++;
                    yield return (startH, startR, length);
                    if (words.Count == startH + length || reference.Count == startR + length) break;
                }
            }
    }

    private static (Dictionary<int, int> Align, List<int> ReferenceErrors, List<int> HypothesisErrors) Alignment(IEnumerable<char> trace)
    {
        int positionH = -1, positionR = -1;
        var align = new Dictionary<int, int>();
        var referenceErrors = new List<int>();
        var hypothesisErrors = new List<int>();
        foreach (char op in trace)
        {
            switch (op)
            {
                case Keep or Substitute:
                    positionH++;
                    positionR++;
                    align[positionR] = positionH;
                    int error = op == Substitute ? 1 : 0;
                    hypothesisErrors.Add(error);
                    referenceErrors.Add(error);
                    break;
                case Insert:
                    positionH++;
                    hypothesisErrors.Add(1);
                    break;
                default:
                    positionR++;
                    align[positionR] = positionH;
                    referenceErrors.Add(1);
                    break;
            }
        }
        return (align, referenceErrors, hypothesisErrors);
    }

    /// <summary>Levenshtein distance on a beam around the length-scaled diagonal, with the operations that reach it.</summary>
    private static (long Distance, string Trace) EditDistance(List<string> words, List<string> reference)
    {
        int n = words.Count, m = reference.Count;
        var cost = new long[n + 1, m + 1];
        var op = new char[n + 1, m + 1];
        for (int j = 0; j <= m; j++) { cost[0, j] = j; op[0, j] = Insert; }
        for (int i = 1; i <= n; i++)
            for (int j = 0; j <= m; j++) { cost[i, j] = Infinity; op[i, j] = Undefined; }
        double ratio = n > 0 ? (double)m / n : 1;
        int beam = BeamWidth < ratio / 2 ? (int)Math.Ceiling(ratio / 2 + BeamWidth) : BeamWidth;
        for (int i = 1; i <= n; i++)
        {
            int diagonal = (int)Math.Floor(i * ratio);
            int minJ = Math.Max(0, diagonal - beam), maxJ = i == n ? m + 1 : Math.Min(m + 1, diagonal + beam);
            for (int j = minJ; j < maxJ; j++)
            {
                if (j == 0)
                {
                    cost[i, j] = cost[i - 1, j] + 1;
                    op[i, j] = Delete;
                    continue;
                }
                bool same = words[i - 1] == reference[j - 1];
                // Preference on ties: keep or substitute, then delete, then insert (the trace is read flipped).
                Consider(i, j, cost[i - 1, j - 1] + (same ? 0 : 1), same ? Keep : Substitute);
                Consider(i, j, cost[i - 1, j] + 1, Delete);
                Consider(i, j, cost[i, j - 1] + 1, Insert);
            }
        }
        var trace = new System.Text.StringBuilder();
        for (int i = n, j = m; i > 0 || j > 0;)
        {
            char step = op[i, j];
            trace.Insert(0, step);
            if (step is Keep or Substitute) { i--; j--; }
            else if (step == Insert) j--;
            else i--;
        }
        return (cost[n, m], trace.ToString());

        void Consider(int i, int j, long value, char name)
        {
            if (cost[i, j] > value)
            {
                cost[i, j] = value;
                op[i, j] = name;
            }
        }
    }
}
