using SharpLM.Training.Pretraining;

namespace SharpLM.PostTraining;

/// <summary>
/// The optimizer schedule every post-training run uses, as TRL's trainers default to it: linear decay to zero after
/// the warmup, no weight decay, AdamW's β2 of 0.999. Runs start from <see cref="Options"/> and add their own steps,
/// batch, learning rate and warmup, so the rule lives in one place.
/// </summary>
public static class FineTuningSchedule
{
    public static PretrainOptions Options { get; } = new()
    {
        MinLearningRateRatio = 0, Schedule = ScheduleShape.Linear, WeightDecay = 0, Beta2 = 0.999,
    };
}
