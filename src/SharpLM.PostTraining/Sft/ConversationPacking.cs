namespace SharpLM.PostTraining.Sft;

/// <summary>
/// Groups conversations into rows of at most <c>capacity</c> positions. With packing, best-fit decreasing (TRL's
/// "bfd"): longest first, each into the open row it fills most tightly, else a new row. Without, one per row.
/// The result depends only on the lengths, so it is the same on every run. A conversation takes its length plus
/// <c>overhead</c> positions (prompt tuning's virtual tokens, placed before each conversation).
/// </summary>
public static class ConversationPacking
{
    public static List<int[]> Rows(IReadOnlyList<TokenizedConversation> conversations, int capacity, bool pack, int overhead = 0)
    {
        if (!pack) return Enumerable.Range(0, conversations.Count).Select(i => new[] { i }).ToList();
        var order = Enumerable.Range(0, conversations.Count).OrderByDescending(i => conversations[i].Length).ThenBy(i => i);
        var rows = new List<List<int>>();
        var free = new List<int>();
        foreach (int i in order)
        {
            int length = conversations[i].Length + overhead;
            int best = -1;
            for (int r = 0; r < rows.Count; r++)
                if (free[r] >= length && (best < 0 || free[r] < free[best])) best = r;
            if (best < 0)
            {
                rows.Add([]);
                free.Add(capacity);
                best = rows.Count - 1;
            }
            rows[best].Add(i);
            free[best] -= length;
        }
        // Within a row, conversations keep file order: the row reads as the data did.
        return rows.Select(r => r.OrderBy(i => i).ToArray()).ToList();
    }
}
