using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Data.Canaries;
using SharpLM.Data.Dedup;
using SharpLM.Data.Filters;
using SharpLM.Data.Ingest;
using SharpLM.Data.Pii;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// Everything one run of the data pipeline does, as a JSON file (snake_case keys). A stage that is null or
/// disabled is skipped; every threshold has the datatrove default. See docs/data.md.
/// </summary>
public sealed record DataPipelineConfig
{
    [JsonPropertyName("sources")] public List<SourceSpec> Sources { get; init; } = [];
    [JsonPropertyName("clean")] public CleanConfig Clean { get; init; } = new();
    [JsonPropertyName("filters")] public FiltersConfig Filters { get; init; } = new();
    [JsonPropertyName("dedup")] public DedupConfig Dedup { get; init; } = new();
    /// <summary>PII replacement; null turns it off.</summary>
    [JsonPropertyName("pii")] public PiiOptions? Pii { get; init; } = new();
    [JsonPropertyName("contamination")] public ContaminationConfig? Contamination { get; init; }
    [JsonPropertyName("mixing")] public MixingConfig Mixing { get; init; } = new();
    [JsonPropertyName("split")] public SplitConfig Split { get; init; } = new();
    [JsonPropertyName("output")] public OutputConfig Output { get; init; } = new();
    /// <summary>Secrets planted in the training split to measure memorization; null plants none.</summary>
    [JsonPropertyName("canaries")] public CanaryConfig? Canaries { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static DataPipelineConfig Load(string path)
    {
        var config = JsonFile.Read<DataPipelineConfig>(path, "data pipeline config", JsonOptions);
        config.Validate(path);
        return config.WithNullStagesOff();
    }

    /// <summary>
    /// JSON null for a stage that can be skipped, as the stage switched off, so the pipeline never meets a null section:
    /// no filters, no deduplication, no validation split.
    /// </summary>
    private DataPipelineConfig WithNullStagesOff() => this with
    {
        Filters = Filters ?? new FiltersConfig { GopherQuality = null, GopherRepetition = null, C4 = null },
        Dedup = Dedup ?? new DedupConfig { Exact = false, MinHash = null },
        Split = Split ?? new SplitConfig { ValidationFraction = 0 },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Checks every field, naming the offending one; <paramref name="origin"/> prefixes the message (a file name).</summary>
    public void Validate(string origin)
    {
        void Require([System.Diagnostics.CodeAnalysis.DoesNotReturnIf(false)] bool ok, string field, string problem)
        {
            if (!ok) throw new SharpLMException($"{origin}: field '{field}' {problem}.");
        }
        void Nested(string field, Action validate)
        {
            try
            {
                validate();
            }
            catch (SharpLMException e)
            {
                throw new SharpLMException($"{origin}: {field}: {e.Message}");
            }
        }
        // JSON null reaches the non-nullable sections; the ones that cannot be skipped say so.
        Require(Sources is { Count: > 0 }, "sources", "must list at least one source");
        Require(Clean is not null, "clean", "cannot be null: cleaning always runs (omit the field for its defaults)");
        Require(Mixing is not null, "mixing", "cannot be null: omit it for natural proportions (temperature 1)");
        Require(Output is not null, "output", "cannot be null: omit it for its defaults");
        var names = new HashSet<string>();
        for (int i = 0; i < Sources.Count; i++)
        {
            Require(Sources[i] is not null, $"sources[{i}]", "is null, expected a source object");
            Nested($"sources[{i}]", Sources[i].Validate);
            Require(names.Add(Sources[i].Name), $"sources[{i}].name", $"repeats the source name '{Sources[i].Name}'");
        }
        if (Filters?.Language is { } language) Nested("filters.language", language.Validate);
        if (Filters?.GopherQuality is { } quality) Nested("filters.gopher_quality", quality.Validate);
        if (Filters?.GopherRepetition is { } repetition) Nested("filters.gopher_repetition", repetition.Validate);
        if (Filters?.C4 is { } c4) Nested("filters.c4", c4.Validate);
        if (Dedup?.MinHash is { } minHash) Nested("dedup.minhash", minHash.Validate);
        Require(Clean.Normalization is "NFC" or "NFKC", "clean.normalization", $"must be \"NFC\" or \"NFKC\" (got \"{Clean.Normalization}\")");
        Require(Clean.Boilerplate is null || Clean.Boilerplate.SampleDocuments > 0, "clean.boilerplate.sample_documents", "must be positive");
        Require(Clean.Boilerplate is null || Clean.Boilerplate.MinDocuments >= 2, "clean.boilerplate.min_documents", "must be at least 2");
        Require(Clean.Boilerplate is null || Clean.Boilerplate.MinFraction is > 0 and <= 1, "clean.boilerplate.min_fraction", "must be in (0, 1]");
        Require(Mixing.Temperature > 0, "mixing.temperature", $"must be positive (got {Mixing.Temperature})");
        Require(Split is null || Split.ValidationFraction is >= 0 and < 1, "split.validation_fraction", $"must be in [0, 1) (got {Split?.ValidationFraction})");
        Require(Output.ShardDocuments > 0, "output.shard_documents", "must be positive");
        Require(Contamination is null || Contamination.EvalSets is { Count: > 0 }, "contamination.eval_sets", "must list at least one JSONL file");
        for (int i = 0; i < (Contamination?.EvalSets.Count ?? 0); i++)
            Require(!string.IsNullOrWhiteSpace(Contamination!.EvalSets[i]), $"contamination.eval_sets[{i}]", "is empty");
        Require(Contamination is null || Contamination.NGram >= 1, "contamination.ngram", "must be at least 1");
        Canaries?.Validate(origin);
    }
}

public sealed record CleanConfig
{
    /// <summary>"NFC" (default) or "NFKC" (also folds compatibility characters such as ligatures and full-width forms).</summary>
    [JsonPropertyName("normalization")] public string Normalization { get; init; } = "NFC";
    /// <summary>Removal of lines repeated across many documents of one source (footers, disclaimers); null turns it off.</summary>
    [JsonPropertyName("boilerplate")] public BoilerplateConfig? Boilerplate { get; init; } = new();
    /// <summary>
    /// Join hard-wrapped prose lines into paragraphs (books, e-mail) after the boilerplate lines are removed, so that
    /// C4's line rules judge whole sentences; verse, lists and short lines keep their breaks (see LineUnwrapper).
    /// </summary>
    // Left out of config.json while off, so a run folder started before the option existed still resumes (its config matches).
    [JsonPropertyName("unwrap_lines"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool UnwrapLines { get; init; }
    /// <summary>Documents whose cleaned text is shorter than this many characters are dropped ("clean.empty").</summary>
    [JsonPropertyName("min_characters")] public int MinCharacters { get; init; } = 1;
}

public sealed record BoilerplateConfig
{
    /// <summary>Documents read at the start of each source to learn its repeated lines (bounded memory).</summary>
    [JsonPropertyName("sample_documents")] public int SampleDocuments { get; init; } = 5000;
    /// <summary>A line is boilerplate when it occurs in at least this many sampled documents…</summary>
    [JsonPropertyName("min_documents")] public int MinDocuments { get; init; } = 5;
    /// <summary>…and in at least this fraction of them.</summary>
    [JsonPropertyName("min_fraction")] public double MinFraction { get; init; } = 0.01;
}

public sealed record FiltersConfig
{
    /// <summary>Language identification; off (null) unless given, since it needs profiles (franc's, through npm, or a folder).</summary>
    // Left out of config.json while off, so a run folder started before the filter existed still resumes (its config matches).
    [JsonPropertyName("language"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LanguageOptions? Language { get; init; }
    [JsonPropertyName("gopher_quality")] public GopherQualityOptions? GopherQuality { get; init; } = new();
    [JsonPropertyName("gopher_repetition")] public GopherRepetitionOptions? GopherRepetition { get; init; } = new();
    [JsonPropertyName("c4")] public C4Options? C4 { get; init; } = new();
}

public sealed record DedupConfig
{
    [JsonPropertyName("exact")] public bool Exact { get; init; } = true;
    /// <summary>Near-duplicate removal; null turns it off.</summary>
    [JsonPropertyName("minhash")] public MinHashOptions? MinHash { get; init; } = new();
}

public sealed record ContaminationConfig
{
    /// <summary>Evaluation sets (JSONL) whose items must not appear in training data.</summary>
    [JsonPropertyName("eval_sets")] public List<string> EvalSets { get; init; } = [];
    [JsonPropertyName("ngram")] public int NGram { get; init; } = 13;
}

public sealed record MixingConfig
{
    /// <summary>
    /// Temperature over the sources' sizes for sources without an explicit weight: a source's share is
    /// proportional to size^(1/T). 1 keeps natural proportions; larger values flatten them toward uniform.
    /// </summary>
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 1.0;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1;
}

public sealed record SplitConfig
{
    /// <summary>Fraction of documents (chosen by a hash of the document id, so stable across runs) written to validation shards.</summary>
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.01;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1;
}

public sealed record OutputConfig
{
    /// <summary>Input documents per unit of work; each unit writes one train and one validation shard and is the step a resumed run restarts from.</summary>
    [JsonPropertyName("shard_documents")] public int ShardDocuments { get; init; } = 10_000;
    [JsonPropertyName("gzip")] public bool Gzip { get; init; }
}
