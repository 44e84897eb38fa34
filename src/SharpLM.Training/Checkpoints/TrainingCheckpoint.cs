using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.IO;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Checkpoints;

/// <summary>What a training checkpoint records besides tensors.</summary>
public sealed record TrainerState
{
    [JsonPropertyName("format")] public int Format { get; init; } = 1;
    /// <summary>Optimizer steps completed; training resumes at this 0-based step.</summary>
    [JsonPropertyName("step")] public int Step { get; init; }
    [JsonPropertyName("tokens_seen")] public long TokensSeen { get; init; }
    [JsonPropertyName("last_loss")] public double LastLoss { get; init; }
    [JsonPropertyName("config")] public required PretrainConfig Config { get; init; }
}

/// <summary>
/// Resumable training checkpoints in a run folder's checkpoints/step-NNNNNNNN/ directories:
/// <code>
/// model.safetensors      model weights, Hugging Face names
/// optimizer.safetensors  AdamW moments, "NAME.exp_avg" and "NAME.exp_avg_sq"
/// trainer_state.json     step, tokens seen, the full pretrain config
/// </code>
/// Batches are a function of (seed, step) and training uses no other randomness, so the step is the whole
/// data position and random state. Each checkpoint is staged and renamed into place; only then are older ones
/// beyond the retention count deleted, so a crash never leaves fewer complete checkpoints.
/// </summary>
public static class TrainingCheckpoint
{
    private const string Prefix = "step-";
    private const string StateFile = "trainer_state.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string DirectoryFor(string runDirectory) => Path.Combine(runDirectory, "checkpoints");

    public static string Save(string runDirectory, CausalLanguageModel model, AdamWOptimizer optimizer, TrainerState state, int keep)
    {
        string root = DirectoryFor(runDirectory);
        Directory.CreateDirectory(root);
        string final = Path.Combine(root, Prefix + state.Step.ToString("D8", CultureInfo.InvariantCulture));
        string staging = AtomicDirectory.CreateStaging(final);
        try
        {
            SafetensorsWriter.Write(Path.Combine(staging, Core.Models.Folder.ModelFolder.WeightsFile), HfCheckpoint.ExportTensors(model));
            SafetensorsWriter.Write(Path.Combine(staging, "optimizer.safetensors"), optimizer.ExportState());
            AtomicFile.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state, Json) + "\n");
            AtomicDirectory.Publish(staging, final);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
        foreach (string old in List(runDirectory).SkipLast(keep)) Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>Complete checkpoint directories, oldest first.</summary>
    public static IReadOnlyList<string> List(string runDirectory)
    {
        string root = DirectoryFor(runDirectory);
        if (!Directory.Exists(root)) return [];
        return Directory.GetDirectories(root, Prefix + "*").Where(d => File.Exists(Path.Combine(d, StateFile)))
            .OrderBy(d => d, StringComparer.Ordinal).ToList();
    }

    public static string? Latest(string runDirectory) => List(runDirectory).LastOrDefault();

    public static TrainerState ReadState(string checkpoint) =>
        JsonFile.Read<TrainerState>(Path.Combine(checkpoint, StateFile), "trainer state", Json);

    /// <summary>Loads weights and optimizer moments into a model and optimizer built from the same config.</summary>
    public static void Restore(string checkpoint, CausalLanguageModel model, AdamWOptimizer optimizer, TrainerState state)
    {
        HfCheckpoint.LoadWeights(model, Path.Combine(checkpoint, Core.Models.Folder.ModelFolder.WeightsFile));
        using var reader = new SafetensorsReader(Path.Combine(checkpoint, "optimizer.safetensors"));
        optimizer.ImportState(reader, state.Step);
    }

    /// <summary>Refuses to resume under a config that would change the updates; names the differing field.</summary>
    public static void RequireCompatible(string checkpoint, TrainerState state, PretrainConfig config)
    {
        if (state.Config.Model != config.Model)
            throw new SharpLMException($"{checkpoint}: the checkpoint's model section differs from the config given; resume with the same model or start a new run folder.");
        if (state.Config.Training.FirstDifferenceAffectingResume(config.Training) is string field)
            throw new SharpLMException($"{checkpoint}: training field '{field}' differs from the checkpoint's; resume with the same value or start a new run folder.");
    }
}
