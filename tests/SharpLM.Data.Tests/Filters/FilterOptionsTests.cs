using SharpLM.Core;
using SharpLM.Data.Dedup;
using SharpLM.Data.Filters;
using SharpLM.Data.Pii;

namespace SharpLM.Data.Tests.Filters;

public class FilterOptionsTests
{
    [Fact]
    public void Snake_case_json_sets_every_threshold()
    {
        var gopher = OptionsJson.Parse<GopherQualityOptions>("""{"min_doc_words": 10, "max_doc_words": null, "max_symbol_word_ratio": 0.5, "stop_words": ["a"]}""", "filters.json");
        Assert.Equal(10, gopher.MinDocWords);
        Assert.Null(gopher.MaxDocWords);
        Assert.Equal(0.5, gopher.MaxSymbolWordRatio);
        Assert.Equal(["a"], gopher.StopWords);
        Assert.Equal(3, gopher.MinAvgWordLength);   // absent fields keep their defaults

        var repetition = OptionsJson.Parse<GopherRepetitionOptions>("""{"dup_line_frac": 0.5, "top_n_grams": [{"n": 2, "fraction": 0.3}], "dup_n_grams": []}""", "x");
        Assert.Equal(0.5, repetition.DupLineFrac);
        Assert.Equal([new NGramThreshold(2, 0.3)], repetition.TopNGrams);
        Assert.Empty(repetition.DupNGrams);

        var c4 = OptionsJson.Parse<C4Options>("""{"split_paragraph": false, "min_num_sentences": 2, "filter_policy": false}""", "x");
        Assert.Equal(new C4Options { SplitParagraph = false, MinNumSentences = 2, FilterPolicy = false }, c4);

        var minHash = OptionsJson.Parse<MinHashOptions>("""{"bands": 20, "rows": 5, "shingle_words": 3, "seed": 42}""", "x");
        Assert.Equal(new MinHashOptions(20, 5, 3, 42), minHash);
        Assert.Equal(new MinHashOptions(), OptionsJson.Parse<MinHashOptions>("{}", "x"));

        var pii = OptionsJson.Parse<PiiOptions>("""{"phone": false, "public_ip_only": false}""", "x");
        Assert.False(pii.Phone);
        Assert.False(pii.PublicIpOnly);
        Assert.True(pii.Email);
    }

    [Fact]
    public void Options_round_trip_through_json()
    {
        var options = new GopherRepetitionOptions { DupParaFrac = 0.25, TopNGrams = [new NGramThreshold(3, 0.1)] };
        var back = OptionsJson.Parse<GopherRepetitionOptions>(OptionsJson.Write(options), "x");
        Assert.Equal(options.DupParaFrac, back.DupParaFrac);
        Assert.Equal(options.TopNGrams, back.TopNGrams);
        Assert.Contains("\"dup_para_frac\"", OptionsJson.Write(options));
    }

    [Fact]
    public void Unknown_fields_and_bad_types_name_the_source_and_path()
    {
        var unknown = Assert.Throws<SharpLMException>(() => OptionsJson.Parse<GopherQualityOptions>("""{"min_doc_word": 10}""", "filters.json"));
        Assert.Contains("filters.json", unknown.Message);
        Assert.Contains("min_doc_word", unknown.Message);
        var badType = Assert.Throws<SharpLMException>(() => OptionsJson.Parse<C4Options>("""{"min_num_sentences": "five"}""", "c4.json"));
        Assert.Contains("min_num_sentences", badType.Message);
    }

    [Theory]
    [InlineData("""{"min_doc_words": -1}""", "gopher_quality.min_doc_words")]
    [InlineData("""{"min_doc_words": 100, "max_doc_words": 50}""", "gopher_quality.min_doc_words")]
    [InlineData("""{"max_bullet_lines_ratio": 1.5}""", "gopher_quality.max_bullet_lines_ratio")]
    [InlineData("""{"min_avg_word_length": 12}""", "gopher_quality.min_avg_word_length")]
    [InlineData("""{"stop_words": [""]}""", "gopher_quality.stop_words")]
    public void Invalid_gopher_quality_values_name_the_field(string json, string field)
    {
        var options = OptionsJson.Parse<GopherQualityOptions>(json, "x");
        var error = Assert.Throws<SharpLMException>(() => new GopherQualityFilter(options));
        Assert.Contains(field, error.Message);
    }

    [Theory]
    [InlineData("""{"dup_line_frac": -0.1}""", "gopher_repetition.dup_line_frac")]
    [InlineData("""{"top_n_grams": [{"n": 0, "fraction": 0.2}]}""", "gopher_repetition.top_n_grams[0].n")]
    [InlineData("""{"dup_n_grams": [{"n": 5, "fraction": 0.1}, {"n": 6, "fraction": 2}]}""", "gopher_repetition.dup_n_grams[1].fraction")]
    public void Invalid_repetition_values_name_the_field(string json, string field)
    {
        var options = OptionsJson.Parse<GopherRepetitionOptions>(json, "x");
        Assert.Contains(field, Assert.Throws<SharpLMException>(() => new GopherRepetitionFilter(options)).Message);
    }

    [Theory]
    [InlineData(0, 8, 5, "minhash.bands")]
    [InlineData(14, 0, 5, "minhash.rows")]
    [InlineData(14, 8, 0, "minhash.shingle_words")]
    public void Invalid_minhash_values_name_the_field(int bands, int rows, int shingle, string field) =>
        Assert.Contains(field, Assert.Throws<SharpLMException>(() => new MinHasher(new MinHashOptions(bands, rows, shingle))).Message);

    [Fact]
    public void Invalid_c4_values_name_the_field() =>
        Assert.Contains("c4.max_word_length", Assert.Throws<SharpLMException>(() => new C4QualityFilter(new C4Options { MaxWordLength = 0 })).Message);

    [Fact]
    public void Counters_are_exact_under_concurrency()
    {
        var counters = new FilterCounters();
        counters.Register(["never"]);
        Parallel.For(0, 8, worker =>
        {
            for (int i = 0; i < 20_000; i++) counters.Increment(i % 2 == 0 ? "even" : $"rule{i % 3}");
        });
        var snapshot = counters.Snapshot();
        Assert.Equal(80_000, snapshot["even"]);
        Assert.Equal(80_000, snapshot["rule0"] + snapshot["rule1"] + snapshot["rule2"]);
        Assert.Equal(0, snapshot["never"]);
    }

    [Fact]
    public void Filters_are_safe_to_share_between_threads()
    {
        var filter = new GopherRepetitionFilter();
        var texts = Enumerable.Range(0, 64).Select(i => string.Join('\n', Enumerable.Repeat($"line {i % 5} text", 1 + i % 4)) + " " + GeneratedText.PadTo("x", 60 + i)).ToArray();
        var sequential = texts.Select(t => filter.Apply(t).RejectedBy).ToArray();
        for (int round = 0; round < 5; round++)
        {
            var parallel = new string?[texts.Length];
            Parallel.For(0, texts.Length, i => parallel[i] = filter.Apply(texts[i]).RejectedBy);
            Assert.Equal(sequential, parallel);
        }
    }
}
