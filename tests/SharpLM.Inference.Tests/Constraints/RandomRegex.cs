using System.Text;

namespace SharpLM.Inference.Tests.Constraints;

/// <summary>Random patterns in the supported subset, written so .NET's Regex (ECMAScript mode) reads them the same way.</summary>
internal static class RandomRegex
{
    private static readonly string[] Atoms = ["a", "b", "c", "x", "0", "7", " ", "\\.", "\\-", "é", "[a-c]", "[^ab]", "[0-9x]", "[b-]", "\\d", "\\w", "\\s", "\\D", ".", "[é-ü]", "\\u00e9"];
    private static readonly string[] Quantifiers = ["*", "+", "?", "{2}", "{1,3}", "{0,2}", "{2,}", "*?"];

    public static string Pattern(Random random, int depth = 3)
    {
        var builder = new StringBuilder();
        int choices = random.Next(3) == 0 ? 2 : 1;
        for (int choice = 0; choice < choices; choice++)
        {
            if (choice > 0) builder.Append('|');
            int parts = random.Next(1, 4);
            for (int part = 0; part < parts; part++)
            {
                if (depth > 0 && random.Next(4) == 0) builder.Append(random.Next(2) == 0 ? "(" : "(?:").Append(Pattern(random, depth - 1)).Append(')');
                else builder.Append(Atoms[random.Next(Atoms.Length)]);
                if (random.Next(3) == 0) builder.Append(Quantifiers[random.Next(Quantifiers.Length)]);
            }
        }
        return builder.ToString();
    }

    public const string Alphabet = "abcx07 .-é\nüZ_";

    public static string Text(Random random, int maxLength)
    {
        int length = random.Next(maxLength + 1);
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = Alphabet[random.Next(Alphabet.Length)];
        return new string(chars);
    }
}
