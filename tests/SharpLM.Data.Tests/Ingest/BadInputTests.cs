using System.Text;
using SharpLM.Core;
using SharpLM.Data.Ingest;

namespace SharpLM.Data.Tests.Ingest;

/// <summary>Every kind of bad input is reported with its path (and line) and skipped; the documents after it still come.</summary>
public class BadInputTests
{
    private static SourceSpec Spec(params string[] inputs) => new() { Name = "bad", Inputs = inputs, License = "CC0-1.0" };

    private static (List<RawDocument> Documents, IReadOnlyList<InputProblem> Problems) ReadAll(SourceSpec spec, string root)
    {
        var sink = new ListProblemSink();
        return (SourceReader.Read(spec, root, sink).ToList(), sink.Problems);
    }

    [Fact]
    public void Bad_jsonl_lines_are_reported_with_their_line_and_the_rest_is_read()
    {
        using var fixtures = new Fixtures();
        byte[] content = Fixtures.Bytes(
            "{\"text\":\"ok 1\"}\n" +
            "{\"text\": broken\n" +
            "{\"body\":\"no text field\"}\n" +
            "[1,2]\n" +
            "{\"text\":42}\n" +
            "{\"text\":\"" + new string('x', 100) + "\"}\n" +
            "{\"text\":\"caf\xE9 latin-1 byte\"}\n" +
            "{\"text\":\"ok 8\"}");
        fixtures.Write("data.jsonl", content);

        var (documents, problems) = ReadAll(Spec("data.jsonl") with { MaxRecordBytes = 60 }, fixtures.Root);

        Assert.Equal(["ok 1", "caf\uFFFD latin-1 byte", "ok 8"], documents.Select(d => d.Text));
        Assert.Equal(1, documents[1].ReplacementCharacters);
        Assert.Equal(
        [
            ("data.jsonl", 2L, "invalid_json"),
            ("data.jsonl", 3L, "missing_text_field"),
            ("data.jsonl", 4L, "invalid_json"),
            ("data.jsonl", 5L, "missing_text_field"),
            ("data.jsonl", 6L, "oversized_record"),
            ("data.jsonl", 7L, "invalid_encoding"),
        ], problems.Select(p => (p.Path, p.Line!.Value, p.Kind)));
        Assert.Contains("'text'", problems[1].Message);
    }

    [Fact]
    public void A_declared_fallback_charset_decodes_what_is_not_utf8_without_a_problem()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("latin.jsonl", Fixtures.Bytes("{\"text\":\"caf\xE9 \x93quoted\x94\"}\n{\"text\":\"valid utf-8 stays: \xC3\xA9\"}\n"));
        fixtures.Write("latin.txt", Fixtures.Bytes("Gr\xFC\xDF Gott"));
        var (documents, problems) = ReadAll(Spec("latin.*") with { Charset = "windows-1252" }, fixtures.Root);
        Assert.Empty(problems);
        Assert.Equal(["café \u201Cquoted\u201D", "valid utf-8 stays: é", "Grüß Gott"], documents.Select(d => d.Text));
        Assert.All(documents, d => Assert.Equal(0, d.ReplacementCharacters));
    }

    [Fact]
    public void Broken_utf8_without_fallback_is_replaced_counted_and_reported_but_kept()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("broken.txt", Fixtures.Bytes("a\xFF b \xC3 c \xE2\x82"));
        var (documents, problems) = ReadAll(Spec("broken.txt"), fixtures.Root);
        var document = Assert.Single(documents);
        Assert.Equal("a\uFFFD b \uFFFD c \uFFFD", document.Text);
        Assert.Equal(3, document.ReplacementCharacters);
        var problem = Assert.Single(problems);
        Assert.Equal(("broken.txt", (long?)null, "invalid_encoding"), (problem.Path, problem.Line, problem.Kind));
        Assert.StartsWith("3 invalid", problem.Message);
    }

    [Fact]
    public void Unreadable_files_corrupt_gzip_oversized_files_and_malformed_mail_are_reported_and_skipped()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("in/01.txt", "first");
        Directory.CreateDirectory(Path.Combine(fixtures.Root, "in", "02-directory.txt"));
        File.CreateSymbolicLink(Path.Combine(fixtures.Root, "in", "03-dangling.txt"), Path.Combine(fixtures.Root, "nowhere"));
        byte[] gzip = File.ReadAllBytes(fixtures.WriteGzip("in/04-corrupt.txt.gz", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("some text ", 50)))));
        for (int i = 12; i < gzip.Length - 8; i++) gzip[i] ^= 0x5A; // header intact, deflate data scrambled
        fixtures.Write("in/04-corrupt.txt.gz", gzip);
        fixtures.Write("in/05-not-gzip.txt.gz", "plain bytes with a .gz name");
        fixtures.Write("in/06-big.txt", new string('y', 200));
        fixtures.Write("in/07-bad.eml", "this is not a mail message\nat all\n");
        fixtures.Write("in/08-broken-multipart.eml", "Content-Type: multipart/mixed; boundary=\"XYZ\"\n\n--ABC\n\ntext\n");
        fixtures.Write("in/09-image-only.eml", "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n");
        fixtures.Write("in/10.unknown", "?");
        fixtures.Write("in/99.txt", "last");

        var (documents, problems) = ReadAll(Spec("in/*", "in/02-directory.txt") with { MaxRecordBytes = 100 }, fixtures.Root);

        Assert.Equal(["first", "last"], documents.Select(d => d.Text));
        var kinds = problems.Select(p => (p.Path, p.Kind)).ToList();
        Assert.Equal(
        [
            ("in/03-dangling.txt", "unreadable_file"),
            ("in/04-corrupt.txt.gz", "invalid_gzip"),
            ("in/05-not-gzip.txt.gz", "invalid_gzip"),
            ("in/06-big.txt", "oversized_record"),
            ("in/07-bad.eml", "invalid_email"),
            ("in/08-broken-multipart.eml", "invalid_email"),
            ("in/09-image-only.eml", "no_text_part"),
            ("in/10.unknown", "unsupported_format"),
            ("in/02-directory.txt", "unreadable_file"), // named by the second input, so read after the glob's files
        ], kinds);
        Assert.All(problems, p => Assert.Null(p.Line));
        Assert.Contains("XYZ", problems[5].Message);
    }

    [Fact]
    public void A_gzip_stream_cut_short_reports_the_line_where_it_broke_after_the_records_before_it()
    {
        using var fixtures = new Fixtures();
        var lines = Enumerable.Range(1, 2000).Select(i => $"{{\"text\":\"record {i} {Guid.NewGuid():N}\"}}").ToList();
        byte[] gzip = File.ReadAllBytes(fixtures.WriteGzip("cut.jsonl.gz", Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));
        fixtures.Write("cut.jsonl.gz", gzip[..(gzip.Length / 2)]);

        var (documents, problems) = ReadAll(Spec("cut.jsonl.gz"), fixtures.Root);

        var problem = Assert.Single(problems);
        Assert.Equal("invalid_gzip", problem.Kind);
        Assert.Contains("ends early", problem.Message);
        Assert.True(documents.Count is > 100 and < 2000, $"{documents.Count} records before the cut");
        Assert.Equal(Enumerable.Range(1, documents.Count).Select(i => (long?)i), documents.Select(d => d.Line));
        Assert.Equal(documents.Count + 1, problem.Line);
    }

    [Fact]
    public void Gzip_files_ending_with_an_empty_member_like_bgzip_are_not_mistaken_for_truncated_ones()
    {
        using var fixtures = new Fixtures();
        byte[] first = File.ReadAllBytes(fixtures.WriteGzip("one.gz", Encoding.UTF8.GetBytes("{\"text\":\"a\"}\n{\"text\":\"b\"}\n")));
        byte[] empty = File.ReadAllBytes(fixtures.WriteGzip("empty.gz", []));
        fixtures.Write("two-members.jsonl.gz", [.. first, .. empty]);
        var (documents, problems) = ReadAll(Spec("two-members.jsonl.gz"), fixtures.Root);
        Assert.Empty(problems);
        Assert.Equal(["a", "b"], documents.Select(d => d.Text));
    }

    [Theory]
    [InlineData("""{"inputs":["a"],"license":"MIT"}""", "source: field 'name' is required")]
    [InlineData("""{"name":"x y","inputs":["a"],"license":"MIT"}""", "field 'name' may contain only")]
    [InlineData("""{"name":"n","license":"MIT"}""", "source 'n': field 'inputs'")]
    [InlineData("""{"name":"n","inputs":["a"]}""", "source 'n': field 'license' is required")]
    [InlineData("""{"name":"n","inputs":["a"],"license":"MIT","format":"pdf"}""", "field 'format' 'pdf' is not one of")]
    [InlineData("""{"name":"n","inputs":["a"],"license":"MIT","text_field":"a..b"}""", "field 'text_field'")]
    [InlineData("""{"name":"n","inputs":["a"],"license":"MIT","charset":"klingon"}""", "field 'charset' 'klingon'")]
    [InlineData("""{"name":"n","inputs":["a"],"license":"MIT","max_record_bytes":0}""", "field 'max_record_bytes'")]
    [InlineData("""{"name":"n","inputs":["a"],"license":"MIT","weight":-1}""", "field 'weight'")]
    public void Source_specs_are_validated_with_the_field_named(string json, string expected)
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize<SourceSpec>(json)!;
        var error = Assert.Throws<SharpLMException>(spec.Validate);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Source_specs_round_trip_through_snake_case_json()
    {
        var spec = new SourceSpec
        {
            Name = "web", Inputs = ["crawl/**/*.html.gz"], License = "CC-BY-4.0", Format = "html", TextField = "content.body",
            IdField = "uid", Charset = "latin1", MaxRecordBytes = 1024, Weight = 0.5,
        };
        string json = System.Text.Json.JsonSerializer.Serialize(spec);
        Assert.Contains("\"max_record_bytes\":1024", json);
        Assert.Contains("\"text_field\":\"content.body\"", json);
        var back = System.Text.Json.JsonSerializer.Deserialize<SourceSpec>(json)!;
        Assert.Equal(spec.Inputs, back.Inputs);
        Assert.Equal(spec with { Inputs = back.Inputs }, back);
        back.Validate();
    }
}
