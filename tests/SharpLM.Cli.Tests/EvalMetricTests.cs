using System.Text.Json.Nodes;

namespace SharpLM.Cli.Tests;

public class EvalMetricTests
{
    private static (string Hypotheses, string First, string Second) WriteFiles()
    {
        string dir = CliProcess.TempDirectory();
        string hypotheses = Path.Combine(dir, "hyp.txt"), first = Path.Combine(dir, "ref1.txt"), second = Path.Combine(dir, "ref2.txt");
        File.WriteAllText(hypotheses, "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
        File.WriteAllText(first, "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
        File.WriteAllText(second, "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n");
        return (hypotheses, first, second);
    }

    [Fact]
    public void CorpusBleuWithTwoReferencesPrintsSacreBleuScore()
    {
        var (hypotheses, first, second) = WriteFiles();
        var result = CliProcess.Run("eval", "metric", "bleu", "--predictions", hypotheses, "--references", first, "--references", second);
        Assert.True(result.ExitCode == 0, result.Error);
        var json = JsonNode.Parse(result.Output)!;
        Assert.Equal(48.530827, (double)json["score"]!, 1e-6);
    }

    [Fact]
    public void SentenceRougePrintsOneLinePerSegment()
    {
        var (hypotheses, first, _) = WriteFiles();
        var result = CliProcess.Run("eval", "metric", "rouge", "--predictions", hypotheses, "--references", first, "--sentence", "--stemmer");
        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(1.0, (double)JsonNode.Parse(lines[0])!["rougeL"]!["fmeasure"]!, 1e-12);
    }

    [Fact]
    public void ReferenceFileOfAnotherLengthIsAUserError()
    {
        var (hypotheses, first, _) = WriteFiles();
        File.WriteAllText(first, "only one line\n");
        var result = CliProcess.Run("eval", "metric", "chrf", "--predictions", hypotheses, "--references", first);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ref1.txt", result.Error);
    }

    [Fact]
    public void MissingPredictionsFileIsNamed()
    {
        var (_, first, _) = WriteFiles();
        var result = CliProcess.Run("eval", "metric", "bleu", "--predictions", "/no/such/hyp.txt", "--references", first);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/no/such/hyp.txt", result.Error);
    }
}
