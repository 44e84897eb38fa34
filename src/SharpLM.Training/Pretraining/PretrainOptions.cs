using System.Text.Json.Serialization;

namespace SharpLM.Training.Pretraining;

/// <summary>Optimisation settings of a pretraining run (the "training" section of a pretrain config).</summary>
public sealed record PretrainOptions
{
    [JsonPropertyName("steps")] public int Steps { get; init; } = 600;
    /// <summary>Sequences per micro-batch.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 16;
    /// <summary>Micro-batches whose gradients are summed before each optimizer step.</summary>
    [JsonPropertyName("gradient_accumulation")] public int GradientAccumulation { get; init; } = 1;
    /// <summary>Tokens per training window (the longest, when a curriculum is given).</summary>
    [JsonPropertyName("sequence_length")] public int SequenceLength { get; init; } = 128;
    /// <summary>
    /// Short-to-long curriculum: [[from_step, length], ...], ascending; at step s the window is the length of the
    /// last entry whose from_step ≤ s (sequence_length before the first). Empty for a fixed length.
    /// </summary>
    [JsonPropertyName("sequence_length_schedule")] public int[][] SequenceLengthSchedule { get; init; } = [];
    /// <summary>"random" windows anywhere in the shard, or "document_start": windows begin where documents begin.</summary>
    [JsonPropertyName("sampling")] public string Sampling { get; init; } = "random";
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 3e-3;
    /// <summary>The cosine schedule decays to learning_rate × this.</summary>
    [JsonPropertyName("min_learning_rate_ratio")] public double MinLearningRateRatio { get; init; } = 0.1;
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 40;
    [JsonPropertyName("schedule")] public ScheduleShape Schedule { get; init; } = ScheduleShape.Cosine;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.1;
    [JsonPropertyName("beta1")] public double Beta1 { get; init; } = 0.9;
    [JsonPropertyName("beta2")] public double Beta2 { get; init; } = 0.95;
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; } = 1.0;
    [JsonPropertyName("eval_interval")] public int EvalInterval { get; init; } = 100;
    [JsonPropertyName("eval_batches")] public int EvalBatches { get; init; } = 8;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1234;
    /// <summary>Write a resumable checkpoint every this many steps (and at the end); 0 writes none.</summary>
    [JsonPropertyName("checkpoint_interval")] public int CheckpointInterval { get; init; } = 100;
    /// <summary>How many checkpoints to keep; older ones are deleted after a newer one is complete.</summary>
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Recompute activations in the backward pass: less memory, about a third more compute.</summary>
    [JsonPropertyName("activation_checkpointing")] public bool ActivationCheckpointing { get; init; }
    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "cpu";
    /// <summary>Intra-op threads for libtorch; 0 uses every core.</summary>
    [JsonPropertyName("threads")] public int Threads { get; init; }
    /// <summary>
    /// 1 shards AdamW's moments over the data-parallel ranks (ZeRO stage 1, <see cref="ShardedAdamWOptimizer"/>); 0
    /// keeps them whole on every rank. The updates are the same either way. Written only when set.
    /// </summary>
    [JsonPropertyName("zero_stage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int ZeroStage { get; init; }

    /// <summary>The window length at a 0-based step.</summary>
    public int SequenceLengthAt(int step)
    {
        int length = SequenceLength;
        foreach (var entry in SequenceLengthSchedule)
            if (entry[0] <= step) length = entry[1];
        return length;
    }

    public void Validate(string origin)
    {
        void Require(bool ok, string field, string problem)
        {
            if (!ok) throw new Core.SharpLMException($"{origin}: field '{field}' {problem}.");
        }
        Require(Steps > 0, "steps", "must be positive");
        Require(BatchSize > 0, "batch_size", "must be positive");
        Require(GradientAccumulation > 0, "gradient_accumulation", "must be positive");
        Require(CheckpointInterval >= 0, "checkpoint_interval", "must not be negative");
        Require(KeepCheckpoints > 0, "keep_checkpoints", "must be positive");
        Require(SequenceLength > 1, "sequence_length", "must be at least 2");
        Require(Sampling is "random" or "document_start", "sampling", $"is '{Sampling}'; use random or document_start");
        for (int i = 0; i < SequenceLengthSchedule.Length; i++)
        {
            var entry = SequenceLengthSchedule[i];
            Require(entry.Length == 2 && entry[0] >= 0 && entry[1] > 1 && entry[1] <= SequenceLength, $"sequence_length_schedule[{i}]",
                $"must be [from_step, length] with 1 < length ≤ sequence_length ({SequenceLength})");
            Require(i == 0 || entry[0] > SequenceLengthSchedule[i - 1][0], $"sequence_length_schedule[{i}]", "must start after the previous entry");
        }
        Require(LearningRate > 0, "learning_rate", "must be positive");
        Require(MinLearningRateRatio is >= 0 and <= 1, "min_learning_rate_ratio", "must be between 0 and 1");
        Require(WarmupSteps >= 0, "warmup_steps", "must not be negative");
        Require(WeightDecay >= 0, "weight_decay", "must not be negative");
        Require(Beta1 is >= 0 and < 1, "beta1", "must be in [0, 1)");
        Require(Beta2 is >= 0 and < 1, "beta2", "must be in [0, 1)");
        Require(GradClip > 0, "grad_clip", "must be positive");
        Require(EvalInterval > 0, "eval_interval", "must be positive");
        Require(EvalBatches > 0, "eval_batches", "must be positive");
        Require(Threads >= 0, "threads", "must not be negative");
        Require(ZeroStage is 0 or 1, "zero_stage", "must be 0 (optimizer state whole on every rank) or 1 (sharded over the ranks)");
    }

    /// <summary>
    /// The first field that makes a resumed run differ from the interrupted one, or null. Steps, intervals,
    /// checkpoint retention, threads, device and ZeRO stage may change on resume; everything that shapes the updates may not.
    /// </summary>
    public string? FirstDifferenceAffectingResume(PretrainOptions other)
    {
        var mine = this with { Steps = 0, EvalInterval = 0, EvalBatches = 0, CheckpointInterval = 0, KeepCheckpoints = 0, Threads = 0, Device = "", ZeroStage = 0 };
        var theirs = other with { Steps = 0, EvalInterval = 0, EvalBatches = 0, CheckpointInterval = 0, KeepCheckpoints = 0, Threads = 0, Device = "", ZeroStage = 0 };
        static string Text(object? value) => System.Text.Json.JsonSerializer.Serialize(value);
        foreach (var property in typeof(PretrainOptions).GetProperties())
            if (Text(property.GetValue(mine)) != Text(property.GetValue(theirs)))
                return property.GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).Cast<JsonPropertyNameAttribute>().Single().Name;
        return null;
    }
}
