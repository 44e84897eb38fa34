namespace SharpLM.PostTraining.Sft;

/// <summary>
/// Which training row fills slot i of micro-batch m of step s: a hash of (seed, s, m, i), as pretraining's windows
/// are, so a resumed run draws exactly the batches an uninterrupted one would. Shared by every post-training objective.
/// </summary>
public static class RowDraw
{
    public static int Row(long seed, int step, int microBatch, int slot, int rows)
    {
        ulong draw = Mix((ulong)seed ^ Mix((ulong)step * 0x100000001B3UL ^ (ulong)microBatch << 40 ^ (ulong)slot));
        return (int)(draw % (ulong)rows);
    }

    /// <summary>SplitMix64's finaliser, as the pretraining sampler uses.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
