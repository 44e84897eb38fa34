using System.IO.Compression;
using System.Text;

namespace SharpLM.Cli.Tests;

/// <summary>
/// Every verb that reads documents JSONL reads it one way: damaged or missing input is one line naming the file
/// (and line), exit 2, also when the reading happens on parallel workers (tokenizer training).
/// </summary>
public class DocumentInputTests
{
    private static readonly string[][] Verbs =
    [
        ["data", "clean", "--out", "{dir}/clean.jsonl"],
        ["tokenizer", "train", "--out", "{dir}/tokenizer.json", "--vocab-size", "300"],
        ["tokenizer", "encode-corpus", "--tokenizer", "cl100k_base", "--out-dir", "{dir}/shards"],
        ["tokenizer", "audit", "--tokenizer", "cl100k_base"],
    ];

    private static string Line(int i, string text = "") =>
        $"{{\"id\":\"d{i}\",\"text\":\"document {i} {text}{new string('x', 400)}\",\"source\":\"s\",\"license\":\"l\"}}\n";

    /// <summary>Writes the named damaged input and returns its path and the start of the expected error.</summary>
    private static (string Path, string Error) Input(string dir, string kind)
    {
        string path = Path.Combine(dir, kind == "cut-gzip" ? "docs.jsonl.gz" : "docs.jsonl");
        switch (kind)
        {
            case "missing":
                return (path, $"{path}: documents JSONL file not found.");
            case "directory":
                return (dir, $"{dir}: expected documents JSONL file but found a directory.");
            case "bad-json":
                File.WriteAllText(path, Line(0) + "{broken\n");
                return (path, $"{path}:2: not a valid document");
            case "number-text":
                File.WriteAllText(path, Line(0) + "{\"id\":\"n\",\"text\":5,\"source\":\"s\",\"license\":\"l\"}\n");
                return (path, $"{path}:2: not a valid document");
            case "cut-gzip":
                var compressed = new MemoryStream();
                using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
                {
                    gzip.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5).Select(i => Line(i)))));
                    // Flushing ends a deflate block: the bytes so far decompress cleanly, only the trailer is missing.
                    gzip.Flush();
                    File.WriteAllBytes(path, compressed.ToArray());
                }
                return (path, $"{path}:6: not a valid gzip file, corrupt or cut short");
            case "bad-utf8":
                File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes(Line(0) + Line(1)), .. Encoding.UTF8.GetBytes(Line(2, "\u00ff"))]);
                var bytes = File.ReadAllBytes(path);
                bytes[Array.LastIndexOf(bytes, (byte)0xC3)] = 0xFF; // 'ÿ' is C3 BF in UTF-8; FF BF is not UTF-8
                File.WriteAllBytes(path, bytes);
                return (path, $"{path}:3: invalid UTF-8 at byte 31 of the line");
            default:
                throw new ArgumentException(kind);
        }
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("directory")]
    [InlineData("bad-json")]
    [InlineData("number-text")]
    [InlineData("cut-gzip")]
    [InlineData("bad-utf8")]
    public void Every_documents_verb_refuses_bad_input_in_one_line(string kind)
    {
        foreach (string[] verb in Verbs)
        {
            string dir = CliProcess.TempDirectory();
            var (path, expected) = Input(dir, kind);
            var result = CliProcess.Run([.. verb.Select(a => a.Replace("{dir}", dir)), "--in", path]);
            string what = $"{string.Join(" ", verb.Take(2))} on {kind}: exit {result.ExitCode}\n{result.Error}";
            Assert.True(result.ExitCode == 2, what);
            Assert.True(result.Error.StartsWith($"sharplm: error: {expected}", StringComparison.Ordinal), what);
            Assert.True(result.Error.Trim().Split('\n').Length == 1, what);
        }
    }
}
