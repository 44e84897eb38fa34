using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Canaries;
using SharpLM.Data.Pipeline;

namespace SharpLM.Data.Tests.Pipeline;

/// <summary>A data run with a "canaries" section plants its secrets in the training split and records them in canaries.json.</summary>
public class CanaryPlantingTests
{
    [Fact]
    public void A_run_plants_each_canary_as_often_as_its_level_says_and_records_it()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-canaries-").FullName;
        PipelineFixture.WriteJsonl(dir, "books", 40, seed: 5);
        var config = PipelineFixture.Config(("books", "books.jsonl")) with
        {
            Canaries = new CanaryConfig { Format = "the secret code is NNNNNN.", Seed = 7, Levels = [new() { Repetitions = 1, Count = 3 }, new() { Repetitions = 5, Count = 2 }] },
        };
        string output = Path.Combine(dir, "out");
        new DataPipeline(config, new DataPipelineRunOptions { BaseDirectory = dir, OutputDirectory = output, Threads = 2 }).Run();

        var set = CanarySet.Load(Path.Combine(output, CanarySet.FileName));
        Assert.Equal(5, set.Canaries.Count);
        Assert.Equal([1, 1, 1, 5, 5], set.Canaries.Select(c => c.Repetitions));
        Assert.All(set.Canaries, c => Assert.Matches(@"^\d{6}$", c.Secret));
        Assert.All(set.Canaries, c => Assert.Equal($"the secret code is {c.Secret}.", c.Text));
        Assert.Equal(5, set.Canaries.Select(c => c.Secret).Distinct().Count());

        // The canaries reach the next stage with the training shards, each as often as planted, and never the validation split.
        var folder = new PipelineFolder(output);
        var train = folder.ShardsOf("train").SelectMany(DocumentJsonl.Read).Select(d => d.Text).ToList();
        foreach (var canary in set.Canaries) Assert.Equal(canary.Repetitions, train.Count(t => t == canary.Text));
        Assert.DoesNotContain(folder.ShardsOf("validation").SelectMany(DocumentJsonl.Read), d => d.Text.Contains("secret code", StringComparison.Ordinal));
        Assert.DoesNotContain("secret", File.ReadAllText(folder.Manifest));

        // The same seed plants the same secrets.
        string again = Path.Combine(dir, "again");
        new DataPipeline(config, new DataPipelineRunOptions { BaseDirectory = dir, OutputDirectory = again, Threads = 1 }).Run();
        Assert.Equal(set.Canaries, CanarySet.Load(Path.Combine(again, CanarySet.FileName)).Canaries);
    }

    [Fact]
    public void A_format_without_digits_is_refused_naming_the_field()
    {
        var config = PipelineFixture.Config(("books", "books.jsonl")) with { Canaries = new CanaryConfig { Format = "no digits here" } };
        var error = Assert.Throws<SharpLMException>(() => config.Validate("config.json"));
        Assert.Equal("config.json: field 'canaries.format' must hold one run of 1 to 18 'N' characters, the digits of the secret.", error.Message);
    }
}
