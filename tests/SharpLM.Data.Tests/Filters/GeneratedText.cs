using System.Text;

namespace SharpLM.Data.Tests.Filters;

/// <summary>Builders of test documents with exactly controlled word counts, lengths and ratios.</summary>
internal static class GeneratedText
{
    /// <summary>A distinct lowercase word of exactly <paramref name="length"/> letters (bijective base 26 of the serial, padded with 'z').</summary>
    public static string UniqueWord(int serial, int length)
    {
        var builder = new StringBuilder();
        int n = serial + 1;
        while (n > 0)
        {
            n--;
            builder.Append((char)('a' + n % 26));
            n /= 26;
        }
        // 'q' separates the serial from the padding so that different serials never pad into the same word.
        builder.Append('q');
        if (builder.Length > length) throw new ArgumentOutOfRangeException(nameof(length));
        return builder.ToString().PadRight(length, 'z');
    }

    /// <summary><paramref name="count"/> distinct words of <paramref name="length"/> letters, starting at serial <paramref name="from"/>.</summary>
    public static IEnumerable<string> UniqueWords(int count, int length, int from = 0) =>
        Enumerable.Range(from, count).Select(i => UniqueWord(i, length));

    /// <summary>A plain English-like document: "the" and "and" once each, the rest 5-letter distinct words.</summary>
    public static List<string> Prose(int words)
    {
        var list = new List<string> { "the", "and" };
        list.AddRange(UniqueWords(words - 2, 5));
        return list;
    }

    /// <summary>Appends distinct filler words after <paramref name="prefix"/> until the text is exactly <paramref name="length"/> characters.</summary>
    public static string PadTo(string prefix, int length, int serialFrom = 1000)
    {
        var builder = new StringBuilder(prefix);
        int serial = serialFrom;
        while (length - builder.Length >= 14)
        {
            builder.Append(' ').Append(UniqueWord(serial++, 6));
        }
        int remaining = length - builder.Length;
        if (remaining < 0) throw new ArgumentOutOfRangeException(nameof(length));
        if (remaining > 0)
        {
            if (remaining < 7) throw new ArgumentOutOfRangeException(nameof(length), "The prefix leaves an awkward remainder.");
            builder.Append(' ').Append(UniqueWord(serial, remaining - 1));
        }
        return builder.ToString();
    }
}
