using SharpLM.Cli.Stages;
using SharpLM.Safety.Catalogue;

namespace SharpLM.Cli.Tests;

/// <summary>The red-team sample of the quickstart and flywheel run: which probes and transforms it holds.</summary>
public class RedTeamSampleTests
{
    [Fact]
    public void The_shipped_sample_is_the_first_two_probes_of_every_category_under_two_transforms()
    {
        var sample = RedTeamSample.Load();
        var catalogue = ProbeCatalogue.LoadBuiltin();
        var expected = Enumerable.Range(1, 14).Select(i => $"S{i}")
            .SelectMany(code => catalogue.Where(p => p.Category == code).Take(2)).Select(p => p.Id).Order(StringComparer.Ordinal);
        Assert.Equal(expected, sample.Probes.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["plain", "prefix_injection"], sample.Transforms.Select(t => t.Name));
        Assert.Equal(28 * 3, sample.Conversations); // each probe under two transforms, and its benign twin
    }

    [Fact]
    public void A_user_catalogue_replaces_the_shipped_probes_and_a_user_transform_file_the_shipped_transforms()
    {
        string folder = CliProcess.TempDirectory();
        string probes = Path.Combine(folder, "probes.jsonl"), transforms = Path.Combine(folder, "transforms.jsonl");
        File.WriteAllText(probes, """
            {"id": "a1", "category": "S2", "prompt": "p1", "benign": "b1"}
            {"id": "a2", "category": "S2", "prompt": "p2", "benign": "b2"}
            {"id": "a3", "category": "S2", "prompt": "p3", "benign": "b3"}
            """);
        File.WriteAllText(transforms, """{"name": "bare", "turns": ["{prompt}"]}""" + "\n");
        var sample = RedTeamSample.Load([probes], [transforms]);
        Assert.Equal(["a1", "a2"], sample.Probes.Select(p => p.Id));
        Assert.Equal(["bare"], sample.Transforms.Select(t => t.Name));
        Assert.Equal(4, sample.Conversations);
    }

    [Fact]
    public void An_empty_user_catalogue_is_named_in_one_sentence()
    {
        string probes = Path.Combine(CliProcess.TempDirectory(), "probes.jsonl");
        File.WriteAllText(probes, "");
        var error = Assert.Throws<SharpLM.Core.SharpLMException>(() => RedTeamSample.Load([probes]));
        Assert.Equal($"--safety-probes: {probes} hold no probe.", error.Message);
    }
}
