using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Filters;
using SharpLM.Data.Pipeline;
using SharpLM.Data.Tests.Pipeline;
using SharpLM.Tests;

namespace SharpLM.Data.Tests.Language;

public class LanguageFilterTests
{
    private static (string Directory, DataPipelineConfig Config) Corpus(IReadOnlyList<string> texts, LanguageOptions language)
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-language-").FullName;
        File.WriteAllLines(Path.Combine(dir, "mixed.jsonl"), texts.Select((text, i) => JsonSerializer.Serialize(new { id = $"doc-{i}", text })));
        var config = PipelineFixture.Config(("mixed", "mixed.jsonl")) with
        {
            // Only the language filter: the other rules are for English prose and would judge these texts on other grounds.
            Filters = new FiltersConfig { Language = language, GopherQuality = null, GopherRepetition = null, C4 = null },
            Split = new SplitConfig { ValidationFraction = 0 },
        };
        return (dir, config);
    }

    private static (PipelineManifest Manifest, List<string> Kept) Run(string dir, DataPipelineConfig config)
    {
        var manifest = new DataPipeline(config, new DataPipelineRunOptions { BaseDirectory = dir, OutputDirectory = Path.Combine(dir, "out"), Threads = 2 }).Run();
        var kept = new PipelineFolder(Path.Combine(dir, "out")).ShardsOf("train").SelectMany(DocumentJsonl.Read).Select(d => d.Text).ToList();
        return (manifest, kept);
    }

    [Fact]
    public void Documents_in_other_languages_are_dropped_with_profiles_from_a_folder()
    {
        string profiles = LanguageIdentifierTests.FixturePackage();
        string[] texts = ["ab abc ab abc abc ab", "xyz xyz xy xyz xy yz", "ab abc ab ab abc abc", "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι"];
        var (dir, config) = Corpus(texts, new LanguageOptions { Languages = ["aaa", "ell"] });
        // A relative folder is taken from the config file's folder, as every path in the config is.
        config = config with { Filters = config.Filters with { Language = config.Filters.Language! with { Profiles = Path.GetRelativePath(dir, profiles) } } };

        var (manifest, kept) = Run(dir, config);

        Assert.Equal([texts[0], texts[2], texts[3]], kept.OrderBy(t => Array.IndexOf(texts, t)));
        Assert.Equal(1, manifest.Drops[LanguageFilter.Other]);
    }

    [Fact]
    public void Unknown_or_malformed_language_codes_are_refused_naming_the_field()
    {
        string profiles = LanguageIdentifierTests.FixturePackage();
        var (dir, config) = Corpus(["ab abc ab abc abc ab"], new LanguageOptions { Languages = ["zzz"], Profiles = profiles });
        var unknown = Assert.Throws<SharpLMException>(() => Run(dir, config));
        Assert.StartsWith("language.languages: 'zzz' is not a language the profiles know (they know 3,", unknown.Message);

        var malformed = Assert.Throws<SharpLMException>(() => (config with { Filters = config.Filters with { Language = new LanguageOptions { Languages = ["en"] } } }).Validate("data.json"));
        Assert.Equal("data.json: filters.language: language.languages: 'en' is not an ISO 639-3 code (three lowercase letters, such as \"eng\").", malformed.Message);
        var empty = Assert.Throws<SharpLMException>(() => (config with { Filters = config.Filters with { Language = new LanguageOptions { Languages = [] } } }).Validate("data.json"));
        Assert.Equal("data.json: filters.language: language.languages must list at least one language code.", empty.Message);
    }

    [NodeFact]
    public void By_default_the_profiles_are_franc_s_from_npm()
    {
        string[] texts =
        [
            // Long enough for trigram statistics: franc calls a one-line English sentence such as "The captain watched the
            // storm gather…" Scots (sco), a known weakness of the method on short texts (docs/data.md).
            "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. It is a way I have of driving off the spleen and regulating the circulation.",
            "Le capitaine regardait la tempête se former au-dessus des îles lointaines pendant que l'équipage préparait le navire.",
            "Капитан смотрел, как над далекими островами собирается буря, а команда готовила корабль к отплытию на рассвете.",
        ];
        var (dir, config) = Corpus(texts, new LanguageOptions { Languages = ["eng"] });
        var (manifest, kept) = Run(dir, config);
        Assert.Equal([texts[0]], kept);
        Assert.Equal(2, manifest.Drops[LanguageFilter.Other]);
    }
}
