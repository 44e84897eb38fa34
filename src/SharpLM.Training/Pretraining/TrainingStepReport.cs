namespace SharpLM.Training.Pretraining;

/// <summary>What one optimizer step reports to progress displays and metrics.</summary>
public sealed record TrainingStepReport(
    int Step, int TotalSteps, double Loss, double LearningRate, double GradientNorm,
    double TokensPerSecond, double AchievedGflops, double? ValidationLoss, TimeSpan Elapsed);

/// <summary>The outcome of a pretraining run.</summary>
public sealed record PretrainSummary(
    int Steps, long TokensSeen, double FinalLoss, double? FinalValidationLoss, double MeanTokensPerSecond,
    double MeanAchievedGflops, double FlopsPerToken, TimeSpan Elapsed);
