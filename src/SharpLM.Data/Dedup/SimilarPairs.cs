using System.Text;

namespace SharpLM.Data.Dedup;

/// <summary>
/// Generates document pairs with a chosen shingle-set Jaccard similarity, for measuring near-duplicate recall.
/// The first document is <c>words</c> distinct lowercase words, so its N = words − k + 1 shingles are all
/// distinct. The second replaces one to three runs of words by fresh words; a run of L words at least k − 1
/// words from either end destroys exactly L + k − 1 shingles and creates as many new ones, and runs at least k
/// words apart destroy disjoint shingles. Destroying d shingles gives Jaccard (N − d)/(N + d), so d is chosen
/// as the nearest integer to N(1 − s)/(1 + s). <see cref="ExactJaccard"/> measures the result independently.
/// </summary>
public static class SimilarPairs
{
    public static (string First, string Second) Generate(Random random, int words, int shingleWords, double jaccard)
    {
        int k = shingleWords;
        if (words < 4 * k) throw new ArgumentOutOfRangeException(nameof(words), $"Need at least {4 * k} words.");
        int serial = 0;
        var first = new string[words];
        for (int i = 0; i < words; i++) first[i] = FreshWord(random, ref serial);

        int shingles = words - k + 1;
        int destroy = (int)Math.Round(shingles * (1 - jaccard) / (1 + jaccard));
        var second = (string[])first.Clone();
        if (destroy > 0)
        {
            // Interior positions k-1 .. words-k keep each run's destroyed shingles inside the document.
            int regionStart = k - 1, region = words - 2 * (k - 1);
            int runs = random.Next(1, 4);
            while (runs > 1 && (destroy < runs * k || destroy - runs * (k - 1) + (runs - 1) * k > region)) runs--;
            if (destroy < k)
            {
                // Too few to destroy with an interior run: replace a prefix of `destroy` words (destroys that many).
                for (int i = 0; i < destroy; i++) second[i] = FreshWord(random, ref serial);
            }
            else
            {
                int replaced = destroy - runs * (k - 1);
                var lengths = SplitPositive(random, replaced, runs);
                int slack = region - replaced - (runs - 1) * k;
                if (slack < 0) throw new ArgumentOutOfRangeException(nameof(jaccard), "Similarity too low for this document length.");
                var gaps = SplitNonNegative(random, slack, runs + 1);
                int position = regionStart + gaps[0];
                for (int r = 0; r < runs; r++)
                {
                    for (int i = 0; i < lengths[r]; i++) second[position + i] = FreshWord(random, ref serial);
                    position += lengths[r] + k + gaps[r + 1];
                }
            }
        }
        return (string.Join(' ', first), string.Join(' ', second));
    }

    /// <summary>The exact Jaccard similarity of the two texts' word-shingle sets (texts split on spaces, lowercased).</summary>
    public static double ExactJaccard(string first, string second, int shingleWords)
    {
        var a = Shingles(first, shingleWords);
        var b = Shingles(second, shingleWords);
        int intersection = a.Count(b.Contains);
        int union = a.Count + b.Count - intersection;
        return union == 0 ? 1 : (double)intersection / union;
    }

    private static HashSet<string> Shingles(string text, int k)
    {
        var words = text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (words.Length == 0) return set;
        if (words.Length < k) { set.Add(string.Join(' ', words)); return set; }
        for (int i = 0; i + k <= words.Length; i++) set.Add(string.Join(' ', words, i, k));
        return set;
    }

    /// <summary>Random letters followed by a serial number: unique, since the letters-to-digits boundary is unambiguous.</summary>
    private static string FreshWord(Random random, ref int serial)
    {
        var builder = new StringBuilder(12);
        int letters = random.Next(3, 8);
        for (int i = 0; i < letters; i++) builder.Append((char)('a' + random.Next(26)));
        builder.Append(serial++);
        return builder.ToString();
    }

    private static int[] SplitPositive(Random random, int total, int parts)
    {
        var result = SplitNonNegative(random, total - parts, parts);
        for (int i = 0; i < parts; i++) result[i]++;
        return result;
    }

    private static int[] SplitNonNegative(Random random, int total, int parts)
    {
        var cuts = new int[parts + 1];
        for (int i = 1; i < parts; i++) cuts[i] = random.Next(total + 1);
        cuts[parts] = total;
        Array.Sort(cuts);
        var result = new int[parts];
        for (int i = 0; i < parts; i++) result[i] = cuts[i + 1] - cuts[i];
        return result;
    }
}
