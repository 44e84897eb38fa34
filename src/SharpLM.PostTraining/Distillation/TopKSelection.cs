namespace SharpLM.PostTraining.Distillation;

/// <summary>The k largest entries of a row, largest first; of equal values the lower index comes first.</summary>
public static class TopKSelection
{
    public static void Select(ReadOnlySpan<float> row, Span<long> ids, Span<float> values)
    {
        int k = ids.Length;
        int filled = 0;
        for (int i = 0; i < row.Length; i++)
        {
            float v = row[i];
            if (filled == k && !(v > values[k - 1])) continue;
            // Insertion into the kept entries, which stay sorted; a later equal value goes after the earlier one.
            int at = Math.Min(filled, k - 1);
            while (at > 0 && v > values[at - 1])
            {
                values[at] = values[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            values[at] = v;
            ids[at] = i;
            if (filled < k) filled++;
        }
    }
}
