using SharpLM.Core;

namespace SharpLM.Feedback.Flywheel;

/// <summary>What `sharplm flywheel build` reads and how it filters.</summary>
public sealed record FlywheelOptions
{
    /// <summary>The capture database.</summary>
    public required string CaptureDatabase { get; init; }
    /// <summary>The folder written (replaced whole): sft.jsonl, dpo.jsonl, failures.jsonl + failures.yaml, manifest.json.</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>JSONL the model was already trained on: items equal or near to one of its lines are dropped.</summary>
    public IReadOnlyList<string> TrainingData { get; init; } = [];
    /// <summary>Sealed evaluation sets (JSONL files, or task folders whose *.jsonl are read): items overlapping one are dropped.</summary>
    public IReadOnlyList<string> SealedSets { get; init; } = [];
    /// <summary>The least rating an uncorrected answer needs to become SFT data (1: thumbs up only).</summary>
    public int MinRating { get; init; } = 1;
    /// <summary>Seeds the order of every output.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Word n-gram length of the contamination check (13, as the data stage and GPT-3's decontamination).</summary>
    public int ContaminationN { get; init; } = 13;

    public void Validate()
    {
        if (MinRating is not (1 or -1)) throw new SharpLMException($"--min-rating must be 1 or -1, the values a rating takes (got {MinRating}).");
        if (ContaminationN < 1) throw new SharpLMException($"the contamination n-gram length must be 1 or more (got {ContaminationN}).");
        if (string.IsNullOrWhiteSpace(OutputDirectory)) throw new SharpLMException("--out must name a folder.");
    }
}
