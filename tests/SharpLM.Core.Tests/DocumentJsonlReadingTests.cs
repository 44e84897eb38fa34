using System.IO.Compression;
using System.Text;
using SharpLM.Core.Formats.Documents;

namespace SharpLM.Core.Tests;

/// <summary>The one documents reader refuses damaged input with the file and line instead of reading part of it.</summary>
public class DocumentJsonlReadingTests
{
    private static byte[] Lines(int count) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i => DocumentJsonl.ToLine(
            new Document { Id = $"d{i}", Text = $"document {i} " + new string('x', 500), Source = "s", License = "CC0-1.0" }))));

    [Fact]
    public void A_gzip_file_cut_at_a_block_boundary_is_an_error_naming_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("docs.jsonl.gz");
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Lines(5));
            // A flush ends a deflate block: the bytes so far decompress cleanly but have no trailer.
            gzip.Flush();
            File.WriteAllBytes(path, compressed.ToArray());
            gzip.Write(Lines(5));
        }
        var error = Assert.Throws<SharpLMException>(() => DocumentJsonl.Read(path).ToList());
        Assert.StartsWith($"{path}:6: not a valid gzip file, corrupt or cut short", error.Message);
    }

    [Fact]
    public void A_whole_gzip_file_reads_every_document()
    {
        using var dir = new TempDirectory();
        string path = dir.File("docs.jsonl.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Optimal)) gzip.Write(Lines(10));
        Assert.Equal(10, DocumentJsonl.Read(path).Count());
    }

    [Fact]
    public void Invalid_utf8_is_an_error_naming_the_line_and_byte()
    {
        using var dir = new TempDirectory();
        string path = dir.File("docs.jsonl");
        byte[] bad = Encoding.UTF8.GetBytes("{\"id\":\"b\",\"text\":\"caf\u00e9 X\",\"source\":\"s\",\"license\":\"l\"}\n");
        bad[Array.IndexOf(bad, (byte)'X')] = 0xFF;
        File.WriteAllBytes(path, [.. new byte[] { 0xEF, 0xBB, 0xBF }, .. Lines(2), .. bad]);
        var error = Assert.Throws<SharpLMException>(() => DocumentJsonl.Read(path).ToList());
        Assert.Equal($"{path}:3: invalid UTF-8 at byte 25 of the line (JSONL is UTF-8).", error.Message);
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_line_ends_are_read()
    {
        using var dir = new TempDirectory();
        string path = dir.File("docs.jsonl");
        File.WriteAllBytes(path, [.. new byte[] { 0xEF, 0xBB, 0xBF }, .. Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Lines(2)).Replace("\n", "\r\n"))]);
        Assert.Equal(["d0", "d1"], DocumentJsonl.Read(path).Select(d => d.Id));
    }
}
