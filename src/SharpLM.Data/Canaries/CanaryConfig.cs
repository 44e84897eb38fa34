using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.Data.Canaries;

/// <summary>
/// The data config's "canaries" section: random secrets planted in the training split so a trained model's
/// memorization can be measured (Carlini et al., "The Secret Sharer", 2019). <see cref="Format"/> holds one run of
/// 'N' characters, each replaced by a random digit; every level plants <see cref="CanaryLevel.Count"/> canaries, each
/// repeated <see cref="CanaryLevel.Repetitions"/> times.
/// </summary>
public sealed record CanaryConfig
{
    [JsonPropertyName("format")] public string Format { get; init; } = "the secret code is NNNNNNNNN";
    [JsonPropertyName("levels")] public List<CanaryLevel> Levels { get; init; } = [new() { Repetitions = 1, Count = 2 }, new() { Repetitions = 4, Count = 2 }, new() { Repetitions = 16, Count = 2 }];
    [JsonPropertyName("seed")] public long Seed { get; init; }

    /// <summary>Checks the section; messages name <paramref name="origin"/> (the config file) and the field.</summary>
    public void Validate(string origin)
    {
        void Require(bool ok, string field, string problem)
        {
            if (!ok) throw new SharpLMException($"{origin}: field 'canaries.{field}' {problem}.");
        }
        var (_, digits, _) = CanaryFormat.Split(Format ?? "");
        Require(digits is >= 1 and <= 18, "format", "must hold one run of 1 to 18 'N' characters, the digits of the secret");
        Require(Levels is { Count: > 0 }, "levels", "must list at least one level");
        for (int i = 0; i < Levels.Count; i++)
        {
            Require(Levels[i] is { Repetitions: >= 1 and <= 100_000 }, $"levels[{i}].repetitions", "must be 1 to 100000");
            Require(Levels[i] is { Count: >= 1 and <= 10_000 }, $"levels[{i}].count", "must be 1 to 10000");
        }
    }
}

public sealed record CanaryLevel
{
    [JsonPropertyName("repetitions")] public int Repetitions { get; init; }
    [JsonPropertyName("count")] public int Count { get; init; }
}
