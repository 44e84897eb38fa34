using SharpLM.Core;
using SharpLM.Data.Contamination;

namespace SharpLM.Data.Tests.Contamination;

public sealed class ContaminationIndexTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sharplm-contamination-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private const string Question =
        "Which planet in our solar system has the largest number of confirmed moons orbiting around it as of this year";

    private ContaminationIndex Sample() => ContaminationIndex.Load(
    [
        Write("mmlu.jsonl",
            $$"""{"question": "{{Question}}", "choices": ["Jupiter", "Saturn", "Uranus", "Neptune"], "answer": 1}""",
            "",
            """{"question": "What is two plus two?", "answer": "four"}"""),
        Write("gsm.jsonl", """{"text": "Tom has seven apples and gives three to Mary who already had five apples so how many apples does Mary have now"}"""),
    ]);

    [Fact]
    public void Evaluation_sets_are_read_like_every_jsonl_file_gzip_included_damage_refused()
    {
        string text = $$"""{"question": "{{Question}}"}""" + "\n";
        string gzipped = Path.Combine(_folder, "eval.jsonl.gz");
        using (var gzip = new System.IO.Compression.GZipStream(File.Create(gzipped), System.IO.Compression.CompressionLevel.Optimal))
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text + text));
        Assert.Equal(2, ContaminationIndex.Load([gzipped]).Items);

        byte[] bytes = File.ReadAllBytes(gzipped);
        File.WriteAllBytes(gzipped, bytes[..^8]); // without the trailer
        Assert.StartsWith($"{gzipped}:", Assert.Throws<SharpLMException>(() => ContaminationIndex.Load([gzipped])).Message);

        string latin1 = Path.Combine(_folder, "latin1.jsonl");
        File.WriteAllBytes(latin1, [.. System.Text.Encoding.UTF8.GetBytes(text + "{\"question\": \"caf"), 0xE9, .. "\"}\n"u8.ToArray()]);
        Assert.Equal($"{latin1}:2: invalid UTF-8 at byte 18 of the line (JSONL is UTF-8).",
            Assert.Throws<SharpLMException>(() => ContaminationIndex.Load([latin1])).Message);
    }

    [Fact]
    public void Shared_thirteen_gram_is_a_hit_with_file_and_line()
    {
        var index = Sample();
        Assert.Equal(3, index.Items);
        string document = "Quiz night! WHICH planet, in our solar system, has the largest number of confirmed moons orbiting? Nobody knew.";
        Assert.Equal(["mmlu.jsonl:1"], index.Matches(document));
    }

    [Fact]
    public void Twelve_shared_words_are_not_enough()
    {
        // "which planet in our solar system has the largest number of confirmed" is 12 words; the next word differs.
        Assert.Empty(Sample().Matches("which planet in our solar system has the largest number of confirmed comets"));
    }

    [Fact]
    public void Fields_are_joined_so_choices_count()
    {
        var index = Sample();
        Assert.Equal(["mmlu.jsonl:1"], index.Matches("number of confirmed moons orbiting around it as of this year: Jupiter, Saturn"));
    }

    [Fact]
    public void Short_items_match_on_their_whole_word_sequence()
    {
        var index = Sample();
        // Line 3: "What is two plus two? four" has 6 words, fewer than 13.
        Assert.Equal(["mmlu.jsonl:3"], index.Matches("Kids ask: what is two plus two four, of course!"));
        Assert.Empty(index.Matches("what is two plus two"));   // a prefix of the short item is not the item
        Assert.Empty(index.Matches("what is two plus three four"));
    }

    [Fact]
    public void Several_items_in_load_order()
    {
        var index = Sample();
        string both = "tom has seven apples and gives three to mary who already had five apples. Also: what is two plus two? Four. "
                      + Question;
        Assert.Equal(["mmlu.jsonl:1", "mmlu.jsonl:3", "gsm.jsonl:1"], index.Matches(both));
    }

    [Fact]
    public void Custom_field_and_n()
    {
        string path = Write("custom.jsonl", """{"prompt": "ignored text here", "body": "alpha beta gamma delta epsilon"}""");
        var index = ContaminationIndex.Load([path], 3, "body");
        Assert.Equal(["custom.jsonl:1"], index.Matches("x beta gamma delta y"));
        Assert.Empty(index.Matches("ignored text here"));
    }

    [Fact]
    public void Unrelated_text_misses()
    {
        Assert.Empty(Sample().Matches("The weather was pleasant and the market opened early on Sunday morning for everyone."));
        Assert.Empty(Sample().Matches(""));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{not json}", "bad.jsonl:2", "not valid JSON")]
    [InlineData("[1, 2]", "bad.jsonl:1", "expected a JSON object")]
    [InlineData("{\"text\": \"ok\"}\n\n{\"label\": 3}", "bad.jsonl:3", "none of the fields")]
    public void Errors_name_file_and_line(string content, string where, string what)
    {
        string path = Path.Combine(_folder, "bad.jsonl");
        File.WriteAllText(path, content);
        var error = Assert.Throws<SharpLMException>(() => ContaminationIndex.Load([path]));
        Assert.Contains(where, error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void Missing_file_is_a_user_error()
    {
        Assert.Throws<SharpLMException>(() => ContaminationIndex.Load([Path.Combine(_folder, "absent.jsonl")]));
    }

    [Fact]
    public void Concurrent_reads_agree()
    {
        var index = Sample();
        var texts = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? Question + $" {i}" : $"nothing to see {i}").ToArray();
        var results = new IReadOnlyList<string>[texts.Length];
        Parallel.For(0, texts.Length, i => results[i] = index.Matches(texts[i]));
        for (int i = 0; i < texts.Length; i++) Assert.Equal(i % 2 == 0 ? 1 : 0, results[i].Count);
    }
}
