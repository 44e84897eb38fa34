using SharpLM.Core;
using SharpLM.Evaluation.Metrics;

namespace SharpLM.Evaluation.Tests;

public class TextMetricReportTests
{
    private static readonly string[] Hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    private static readonly string[] First = ["The dog bit the man.", "It was not unexpected.", "The man bit him first."];
    private static readonly string[] Second = ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."];

    [Fact]
    public void CorpusBleuIsOneObjectWithStatistics()
    {
        var json = TextMetricReport.Run(new() { Metric = "bleu", Predictions = Hypotheses, References = [First, Second] }).Single();
        Assert.Equal("bleu", (string)json["metric"]!);
        Assert.Equal(48.530827, (double)json["score"]!, 1e-6);
        Assert.Equal(4, json["counts"]!.AsArray().Count);
        Assert.Equal(17, (int)json["sys_len"]!);
        Assert.StartsWith("nrefs:2|", (string)json["signature"]!);
    }

    [Fact]
    public void SentenceModeGivesOneObjectPerSegmentInOrder()
    {
        var lines = TextMetricReport.Run(new() { Metric = "bleu", Predictions = Hypotheses, References = [First], Sentence = true }).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal(100.0, (double)lines[0]["score"]!, 1e-9);
        Assert.True((double)lines[1]["score"]! < 100);
        Assert.Contains("eff:yes", (string)lines[0]["signature"]!);
    }

    [Fact]
    public void RougeCorpusIsTheMeanOfSegments()
    {
        var segments = TextMetricReport.Run(new() { Metric = "rouge", Predictions = Hypotheses, References = [First], Sentence = true }).ToList();
        var corpus = TextMetricReport.Run(new() { Metric = "rouge", Predictions = Hypotheses, References = [First] }).Single();
        double mean = segments.Average(s => (double)s["rouge1"]!["fmeasure"]!);
        Assert.Equal(mean, (double)corpus["rouge1"]!["fmeasure"]!, 1e-12);
        Assert.Equal(3, (int)corpus["segments"]!);
    }

    [Fact]
    public void RougeWithSeveralReferencesTakesTheBestPerType()
    {
        var single = Rouge.Score("The dog bit the man.", "The dog bit the man.");
        var multi = Rouge.ScoreMulti(["It was not unexpected.", "The dog bit the man."], "The dog bit the man.");
        Assert.Equal(single, multi);
        Assert.Equal(1.0, multi.Rouge1.FMeasure, 1e-12);
    }

    [Fact]
    public void ChrFPlusPlusIsNamedAndSigned()
    {
        var json = TextMetricReport.Run(new() { Metric = "chrf", Predictions = Hypotheses, References = [First], WordOrder = 2 }).Single();
        Assert.Equal("chrf++", (string)json["metric"]!);
        Assert.Contains("nw:2", (string)json["signature"]!);
    }

    [Theory]
    [InlineData("rouge", "13a", false, 0, "--tokenize")]
    [InlineData("bleu", null, true, 0, "--stemmer")]
    [InlineData("bleu", null, false, 2, "--word-order")]
    [InlineData("meteor", null, false, 0, "meteor")]
    [InlineData("ter", "13a", false, 0, "--tokenize")]
    public void OptionsForAnotherMetricAreRefused(string metric, string? tokenize, bool stem, int wordOrder, string named)
    {
        var error = Assert.Throws<SharpLMException>(() => TextMetricReport.Run(new()
        {
            Metric = metric, Predictions = Hypotheses, References = [First], Tokenize = tokenize, Stem = stem, WordOrder = wordOrder,
        }).ToList());
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void TerReportsEditsAndReferenceLength()
    {
        var json = TextMetricReport.Run(new() { Metric = "ter", Predictions = ["d e f g h a b c"], References = [["a b c d e f g h"]] }).Single();
        Assert.Equal(12.5, (double)json["score"]!, 1e-9);
        Assert.Equal(1, (double)json["num_edits"]!);
        Assert.Equal(8, (double)json["ref_length"]!);
        Assert.Contains("tok:tercom", (string)json["signature"]!);
    }

    [Fact]
    public void ReferencesOfAnotherLengthAreRefused()
    {
        var error = Assert.Throws<SharpLMException>(() =>
            TextMetricReport.Run(new() { Metric = "chrf", Predictions = Hypotheses, References = [First[..2]] }).ToList());
        Assert.Contains("2 segments", error.Message);
    }

    [Fact]
    public void UnknownTokenizerIsNamed()
    {
        var error = Assert.Throws<SharpLMException>(() =>
            TextMetricReport.Run(new() { Metric = "bleu", Predictions = Hypotheses, References = [First], Tokenize = "moses" }).ToList());
        Assert.Contains("moses", error.Message);
    }
}
