using System.Text.Json;
using System.Text.Unicode;

namespace SharpLM.Core.IO;

/// <summary>
/// The lines of a JSONL file as every reader of one sees them: gzip-compressed when the name ends in .gz, UTF-8 (a byte
/// order mark is dropped), blank lines skipped. Damage stops the reading with the path and line: a gzip file that is
/// corrupt or cut short (<see cref="GzipFileStream"/>), bytes that are not UTF-8, a line too long to hold.
/// </summary>
public static class JsonlLines
{
    /// <summary>Longest line read: a line is held in memory as one array, and its text as one string.</summary>
    public const long MaxLineBytes = 1L << 30;

    /// <param name="what">What the file is, for the not-found message ("documents JSONL").</param>
    public static IEnumerable<(long Number, ReadOnlyMemory<byte> Utf8)> Read(string path, string what)
    {
        InputFiles.RequireFile(path, what);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GzipFileStream(file) : file;
        var lines = new LineReader(stream, MaxLineBytes);
        long number = 0;
        while (Next(lines, path, number + 1) is { } line)
        {
            number = line.Number;
            byte[] bytes = line.Bytes ?? throw new SharpLMException($"{path}:{number}: the line is longer than {MaxLineBytes:N0} bytes.");
            ReadOnlyMemory<byte> utf8 = bytes;
            if (number == 1 && utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
            if (utf8.Span.Trim((ReadOnlySpan<byte>)" \t\r"u8).IsEmpty) continue;
            if (!Utf8.IsValid(utf8.Span))
                throw new SharpLMException($"{path}:{number}: invalid UTF-8 at byte {FirstInvalidByte(utf8.Span) + 1} of the line (JSONL is UTF-8).");
            yield return (number, utf8);
        }
    }

    /// <summary>The lines parsed as JSON objects; a line that is not JSON, or not an object, stops the reading with the path and line.</summary>
    public static IEnumerable<(long Number, JsonElement Object)> ReadObjects(string path, string what)
    {
        foreach (var (number, utf8) in Read(path, what))
        {
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(utf8);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{number}: the line is not JSON ({e.Message}).");
            }
            if (root.ValueKind != JsonValueKind.Object) throw new SharpLMException($"{path}:{number}: the line is not a JSON object.");
            yield return (number, root);
        }
    }

    private static LineRecord? Next(LineReader lines, string path, long number)
    {
        try
        {
            return lines.TryRead(out var line) ? line : null;
        }
        catch (InvalidDataException e)
        {
            throw new SharpLMException($"{path}:{number}: not a valid gzip file, corrupt or cut short ({e.Message}).");
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> utf8)
    {
        Utf8.ToUtf16(utf8, new char[utf8.Length], out int valid, out _, replaceInvalidSequences: false);
        return valid;
    }
}
