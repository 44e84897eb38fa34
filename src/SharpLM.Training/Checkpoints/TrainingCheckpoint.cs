using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Formats.TokenShards;
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
    /// <summary>The training shard the run reads; absent in checkpoints written before it was recorded.</summary>
    [JsonPropertyName("train_shard")] public TokenShardIdentity? TrainShard { get; init; }
    /// <summary>The training objective's own settings (fine-tuning data shaping, adapters), absent for pretraining.</summary>
    [JsonPropertyName("objective")] public JsonElement? Objective { get; init; }

    /// <summary>Checks every field of a state read from <paramref name="path"/> in checkpoint folder step-<paramref name="folderStep"/>.</summary>
    public void Validate(string path, int? folderStep)
    {
        void Require(bool ok, string field, string problem)
        {
            if (!ok) throw new SharpLMException($"{path}: field '{field}' {problem}.");
        }
        Require(Format == 1, "format", $"is {Format}; this version reads format 1");
        Require(Step > 0, "step", $"is {Step}; a checkpoint is written after at least one step");
        Require(folderStep is null || Step == folderStep, "step", $"is {Step} but the checkpoint folder is for step {folderStep}");
        Require(TokensSeen > 0, "tokens_seen", $"is {TokensSeen}; it must be positive");
        Require(double.IsFinite(LastLoss) && LastLoss >= 0, "last_loss", $"is {LastLoss}; it must be a finite loss");
        Require(Config is not null, "config", "is missing");
        Config!.Training.Validate($"{path} (section config.training)");
        Require(Step <= Config.Training.Steps, "step", $"is {Step}, beyond the config's {Config.Training.Steps} steps");
        if (TrainShard is { } shard)
        {
            Require(shard.Tokens > 0 && shard.Documents >= 0, "train_shard", "holds negative or zero counts");
            Require(shard.Fingerprint is { Length: 64 } f && f.All(char.IsAsciiHexDigitLower), "train_shard.fingerprint", "is not a SHA-256 in hex");
        }
    }
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

    public static string DirectoryFor(string runDirectory) => Core.Runs.RunFolder.CheckpointsIn(runDirectory);

    public static string Save(string runDirectory, CausalLanguageModel model, AdamWOptimizer optimizer, TrainerState state, int keep) =>
        Save(runDirectory, new WholeModel(model), optimizer.ExportState(), state, keep);

    public static string Save(string runDirectory, ITrainableWeights weights, AdamWOptimizer optimizer, TrainerState state, int keep) =>
        Save(runDirectory, weights, optimizer.ExportState(), state, keep);

    /// <summary>Saves the trainable weights (the whole model, or adapters) under their own file name, with the optimizer and state.</summary>
    /// <param name="optimizerState">The optimizer's moments as <see cref="ITrainingOptimizer.ExportState"/> gives them (gathered whole when sharded).</param>
    public static string Save(string runDirectory, ITrainableWeights weights, IReadOnlyList<SafetensorsTensor> optimizerState, TrainerState state, int keep)
    {
        string root = DirectoryFor(runDirectory);
        Directory.CreateDirectory(root);
        string final = Path.Combine(root, Prefix + state.Step.ToString("D8", CultureInfo.InvariantCulture));
        string staging = AtomicDirectory.CreateStaging(final);
        try
        {
            SafetensorsWriter.Write(Path.Combine(staging, weights.FileName), weights.Export());
            SafetensorsWriter.Write(Path.Combine(staging, "optimizer.safetensors"), optimizerState);
            AtomicFile.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state, Json) + "\n");
            AtomicDirectory.Publish(staging, final);
        }
        catch
        {
            // Best effort: the write's own error is the one to report; a staging folder left now is swept by the next run.
            try { Directory.Delete(staging, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
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

    public static TrainerState ReadState(string checkpoint)
    {
        string path = Path.Combine(checkpoint, StateFile);
        var state = JsonFile.Read<TrainerState>(path, "trainer state", Json);
        string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(checkpoint));
        int? folderStep = folder.StartsWith(Prefix, StringComparison.Ordinal) && int.TryParse(folder.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        state.Validate(path, folderStep);
        return state;
    }

    /// <summary>Loads weights and optimizer moments into a model and optimizer built from the same config.</summary>
    public static void Restore(string checkpoint, ITrainableWeights weights, ITrainingOptimizer optimizer, TrainerState state)
    {
        weights.Load(Path.Combine(checkpoint, weights.FileName));
        using var reader = new SafetensorsReader(Path.Combine(checkpoint, "optimizer.safetensors"));
        optimizer.ImportState(reader, state.Step);
    }

    /// <summary>Refuses to resume under a config that would change the updates, or on another training shard; names the difference.</summary>
    public static void RequireCompatible(string checkpoint, TrainerState state, PretrainConfig config, TokenShardIdentity? trainShard = null, string? objective = null)
    {
        string? recordedObjective = state.Objective is { } o ? JsonSerializer.Serialize(o) : null;
        string? givenObjective = objective is null ? null : JsonSerializer.Serialize(JsonDocument.Parse(objective).RootElement);
        if (recordedObjective != givenObjective)
            throw new SharpLMException($"{checkpoint}: the run's objective settings ({recordedObjective ?? "none"}) differ from the ones given ({givenObjective ?? "none"}); resume with the same settings or start a new run folder.");
        if (state.TrainShard is { } recorded && trainShard is not null && !recorded.SameContentAs(trainShard))
            throw new SharpLMException($"{checkpoint}: the training shard given ({trainShard}) is not the one this run trained on ({recorded}); " +
                                       "resume with the same --train shard or start a new run folder.");
        if (state.Config.Model != config.Model)
            throw new SharpLMException($"{checkpoint}: the checkpoint's model section differs from the config given; resume with the same model or start a new run folder.");
        if (state.Config.Training.FirstDifferenceAffectingResume(config.Training) is string field)
            throw new SharpLMException($"{checkpoint}: training field '{field}' differs from the checkpoint's; resume with the same value or start a new run folder.");
    }
}
