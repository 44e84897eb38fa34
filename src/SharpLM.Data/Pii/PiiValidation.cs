using System.Net;
using System.Net.Sockets;

namespace SharpLM.Data.Pii;

/// <summary>Checks that turn a pattern match into a confident detection (checksums, ranges, entropy).</summary>
public static class PiiValidation
{
    /// <summary>The Luhn checksum over the digits of <paramref name="text"/> (other characters ignored).</summary>
    public static bool IsLuhnValid(ReadOnlySpan<char> text)
    {
        int sum = 0, count = 0;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(text[i])) continue;
            int digit = text[i] - '0';
            if ((count & 1) == 1)
            {
                digit *= 2;
                if (digit > 9) digit -= 9;
            }
            sum += digit;
            count++;
        }
        return count > 0 && sum % 10 == 0;
    }

    /// <summary>ISO 13616: 15–34 alphanumerics, country letters, check digits, and the rearranged number ≡ 1 (mod 97). Spaces ignored.</summary>
    public static bool IsIbanValid(ReadOnlySpan<char> text)
    {
        Span<char> compact = stackalloc char[34];
        int length = 0;
        foreach (char c in text)
        {
            if (c == ' ') continue;
            if (length == 34 || !char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c)) return false;
            compact[length++] = c;
        }
        if (length < 15 || !char.IsAsciiLetterUpper(compact[0]) || !char.IsAsciiLetterUpper(compact[1]) ||
            !char.IsAsciiDigit(compact[2]) || !char.IsAsciiDigit(compact[3])) return false;
        int remainder = 0;
        for (int i = 0; i < length; i++)
        {
            char c = compact[(i + 4) % length];
            if (char.IsAsciiDigit(c)) remainder = (remainder * 10 + (c - '0')) % 97;
            else remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
        }
        return remainder == 1;
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return 0;
        var counts = new Dictionary<char, int>();
        foreach (char c in text) counts[c] = counts.GetValueOrDefault(c) + 1;
        double entropy = 0;
        foreach (int count in counts.Values)
        {
            double p = (double)count / text.Length;
            entropy -= p * Math.Log2(p);
        }
        return entropy;
    }

    /// <summary>
    /// True for globally routable addresses: IPv4 outside 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
    /// 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24 and 224/3; IPv6 in 2000::/3
    /// outside 2001::/23 and 2001:db8::/32 (IPv4-mapped addresses follow the IPv4 rule).
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 ||
                     (b[0] == 100 && b[1] is >= 64 and <= 127) ||
                     (b[0] == 169 && b[1] == 254) ||
                     (b[0] == 172 && b[1] is >= 16 and <= 31) ||
                     (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) ||
                     (b[0] == 192 && b[1] == 168) ||
                     (b[0] == 198 && b[1] is 18 or 19) ||
                     (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
                     (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }
        if ((b[0] & 0xE0) != 0x20) return false;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return false;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) return false;
        return true;
    }
}
