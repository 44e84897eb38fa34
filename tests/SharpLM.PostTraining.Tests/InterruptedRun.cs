using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.PostTraining.Tests;

/// <summary>
/// The training loop as the kill-and-resume tests drive it: each step is handed to <c>onStep</c>, and after step
/// <c>stopAfter</c> the loop is cancelled, as a killed process would stop (only what its checkpoints hold survives).
/// </summary>
internal static class InterruptedRun
{
    public static void Run(CausalLanguageModel model, PretrainConfig config, ITrainingObjective objective, ITrainableWeights weights, string run,
        bool resume, int? stopAfter, Action<TrainingStepReport> onStep)
    {
        using var stop = new CancellationTokenSource();
        new Pretrainer(model, config).Run(objective, weights, run, onStep: r =>
        {
            onStep(r);
            if (r.Step == stopAfter) stop.Cancel();
        }, resume: resume, cancellation: stop.Token);
    }
}
