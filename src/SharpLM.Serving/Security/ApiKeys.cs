using System.Security.Cryptography;
using System.Text;

namespace SharpLM.Serving.Security;

/// <summary>
/// The keys a server accepts, read from a file (one per line; blank lines and lines starting with '#' are skipped).
/// Only SHA-256 hashes are kept in memory, and a presented key is checked against every hash in constant time, so
/// neither the keys nor the timing of a comparison give a key away.
/// </summary>
public sealed class ApiKeys
{
    private readonly byte[][] _hashes;

    private ApiKeys(byte[][] hashes) => _hashes = hashes;

    public int Count => _hashes.Length;

    public static ApiKeys Load(string path)
    {
        Core.IO.InputFiles.RequireFile(path, "API key file");
        var keys = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (keys.Count == 0) throw new Core.SharpLMException($"{path}: no API keys (one per line).");
        return new ApiKeys(keys.Select(Hash).ToArray());
    }

    public static ApiKeys FromKeys(IEnumerable<string> keys) => new(keys.Select(Hash).ToArray());

    /// <summary>Whether <paramref name="key"/> is one of the keys; the same work whichever key matches, or none.</summary>
    public bool Accepts(string key)
    {
        byte[] hash = Hash(key);
        bool match = false;
        foreach (byte[] known in _hashes) match |= CryptographicOperations.FixedTimeEquals(hash, known);
        return match;
    }

    /// <summary>A short, stable name for a key in logs and limits: its hash's first 8 hex digits, never the key.</summary>
    public static string Fingerprint(string key) => Convert.ToHexStringLower(Hash(key))[..8];

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
