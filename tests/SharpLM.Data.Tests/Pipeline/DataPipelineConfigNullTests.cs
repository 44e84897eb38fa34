using SharpLM.Core;
using SharpLM.Data.Pipeline;

namespace SharpLM.Data.Tests.Pipeline;

/// <summary>JSON null for a section means what docs/data.md says: a skippable stage is off, any other section is a one-line error.</summary>
public class DataPipelineConfigNullTests
{
    private static string Write(string sections)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-config-").FullName, "data.json");
        File.WriteAllText(path, $$"""{"sources": [{"name": "s", "inputs": ["in.jsonl"], "license": "CC0-1.0"}], {{sections}}}""");
        return path;
    }

    [Fact]
    public void Null_filters_dedup_and_split_switch_those_stages_off()
    {
        var config = DataPipelineConfig.Load(Write("""  "filters": null, "dedup": null, "split": null"""));
        Assert.Null(config.Filters.GopherQuality);
        Assert.Null(config.Filters.GopherRepetition);
        Assert.Null(config.Filters.C4);
        Assert.False(config.Dedup.Exact);
        Assert.Null(config.Dedup.MinHash);
        Assert.Equal(0, config.Split.ValidationFraction);
    }

    [Fact]
    public void Options_added_later_stay_out_of_the_saved_config_while_off_so_older_run_folders_resume()
    {
        var config = DataPipelineConfig.Load(Write("""  "split": {"validation_fraction": 0}"""));
        string json = config.ToJson();
        Assert.DoesNotContain("unwrap_lines", json);
        Assert.DoesNotContain("\"language\"", json);

        var on = config with
        {
            Clean = config.Clean with { UnwrapLines = true },
            Filters = config.Filters with { Language = new SharpLM.Data.Filters.LanguageOptions { Languages = ["eng", "sco"] } },
        };
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-config-").FullName, "data.json");
        File.WriteAllText(path, on.ToJson());
        var read = DataPipelineConfig.Load(path);
        Assert.True(read.Clean.UnwrapLines);
        Assert.Equal(["eng", "sco"], read.Filters.Language!.Languages);
        Assert.Equal(on.ToJson(), read.ToJson());
    }

    [Theory]
    [InlineData("clean")]
    [InlineData("mixing")]
    [InlineData("output")]
    public void A_section_that_cannot_be_skipped_names_its_field_when_null(string section)
    {
        string path = Write($"\"{section}\": null");
        var error = Assert.Throws<SharpLMException>(() => DataPipelineConfig.Load(path));
        Assert.StartsWith($"{path}: field '{section}' cannot be null", error.Message);
    }

    [Theory]
    [InlineData("\"contamination\": {\"eval_sets\": null}", "contamination.eval_sets")]
    [InlineData("\"contamination\": {\"eval_sets\": [null]}", "contamination.eval_sets[0]")]
    public void Null_lists_and_entries_name_their_field(string sections, string field)
    {
        string path = Write(sections);
        Assert.StartsWith($"{path}: field '{field}'", Assert.Throws<SharpLMException>(() => DataPipelineConfig.Load(path)).Message);
    }

    [Fact]
    public void Null_sources_and_a_null_source_name_their_field()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-config-").FullName, "data.json");
        File.WriteAllText(path, """{"sources": null}""");
        Assert.Equal($"{path}: field 'sources' must list at least one source.", Assert.Throws<SharpLMException>(() => DataPipelineConfig.Load(path)).Message);
        File.WriteAllText(path, """{"sources": [null]}""");
        Assert.Equal($"{path}: field 'sources[0]' is null, expected a source object.", Assert.Throws<SharpLMException>(() => DataPipelineConfig.Load(path)).Message);
    }
}
