namespace SharpLM.Data.Canaries;

/// <summary>A canary format such as "the secret code is NNNNNNNNN": the text around its one run of N's, and the run's length.</summary>
public static class CanaryFormat
{
    /// <summary>(prefix, digits, suffix); digits is 0 when the format has no run of N's, or more than one.</summary>
    public static (string Prefix, int Digits, string Suffix) Split(string format)
    {
        int start = format.IndexOf('N');
        if (start < 0) return (format, 0, "");
        int end = start;
        while (end < format.Length && format[end] == 'N') end++;
        return format.IndexOf('N', end) >= 0 ? (format, 0, "") : (format[..start], end - start, format[end..]);
    }

    /// <summary>The canary text for a secret of the format's length.</summary>
    public static string Fill(string format, string secret)
    {
        var (prefix, _, suffix) = Split(format);
        return prefix + secret + suffix;
    }
}
