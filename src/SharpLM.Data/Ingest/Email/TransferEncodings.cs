using System.Text;

namespace SharpLM.Data.Ingest.Email;

/// <summary>Content-Transfer-Encoding decoders (RFC 2045), lenient as real mail requires.</summary>
public static class TransferEncodings
{
    /// <summary>Quoted-printable: "=XX" is a byte, "=" at a line end is a soft break; any other "=" is kept as it is.</summary>
    public static byte[] DecodeQuotedPrintable(ReadOnlySpan<byte> input)
    {
        var output = new List<byte>(input.Length);
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (b != '=') { output.Add(b); continue; }
            if (i + 2 < input.Length && IsHex(input[i + 1]) && IsHex(input[i + 2]))
            {
                output.Add((byte)(HexValue(input[i + 1]) * 16 + HexValue(input[i + 2])));
                i += 2;
                continue;
            }
            int j = i + 1;
            while (j < input.Length && (input[j] == ' ' || input[j] == '\t')) j++;
            if (j < input.Length && input[j] == '\r') j++;
            if (j < input.Length && input[j] == '\n') { i = j; continue; }
            if (j == input.Length) { i = j; continue; }
            output.Add(b);
        }
        return output.ToArray();
    }

    /// <summary>Base64 that skips line breaks and any character outside the alphabet, and stops at padding.</summary>
    public static byte[] DecodeBase64(ReadOnlySpan<byte> input)
    {
        var clean = new StringBuilder(input.Length);
        foreach (byte b in input)
        {
            if (b == '=') break;
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/')
                clean.Append((char)b);
        }
        int remainder = clean.Length % 4;
        if (remainder == 1) clean.Length--; // a lone trailing sextet carries no whole byte
        else if (remainder > 1) clean.Append('=', 4 - remainder);
        return Convert.FromBase64String(clean.ToString());
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'F' or >= (byte)'a' and <= (byte)'f';

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
