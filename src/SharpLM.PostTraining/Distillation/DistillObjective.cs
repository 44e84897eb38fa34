using System.Text.Json;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// Knowledge distillation as an objective of the pretraining loop: the same windows of the same shards as
/// pretraining (<see cref="TokenWindowObjective"/>, so batches, validation and resume are pretraining's), each scored
/// by the teacher on the engine, and <see cref="DistillationLoss"/> mixing the teacher's soft targets with the data's
/// cross-entropy. With alpha 0 the teacher is not run and the loss is pretraining's, operation for operation.
/// </summary>
public sealed class DistillObjective(TokenWindowObjective windows, EngineTeacher? teacher, DistillOptions options) : ITrainingObjective
{
    private readonly Dictionary<string, double> _stepSums = [];
    private int _stepMicroBatches, _currentStep = -1;

    public TokenShardIdentity? Data => windows.Data;

    public string? Settings => JsonSerializer.Serialize(options);

    /// <summary>"kd_loss" (the KL at T, before alpha and T²; absent with alpha 0) and "ce_loss", averaged over the last step's micro-batches.</summary>
    public IReadOnlyDictionary<string, double> StepMetrics => _stepSums.ToDictionary(p => p.Key, p => p.Value / Math.Max(1, _stepMicroBatches));

    public (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device)
    {
        if (step != _currentStep)
        {
            _stepSums.Clear();
            _stepMicroBatches = 0;
            _currentStep = step;
        }
        var (inputs, targets) = windows.Batch(step, microBatch, sequenceLength);
        var logits = model.forward(inputs.to(device));
        var crossEntropy = TokenWindowObjective.CrossEntropy(logits, targets.to(device));
        var loss = crossEntropy;
        if (options.UsesTeacher)
        {
            var scores = teacher!.Of(inputs.data<long>().ToArray(), sequenceLength, options.TopK, options.Temperature);
            (loss, double kl) = DistillationLoss.Compute(logits.view(-1, logits.shape[^1]), crossEntropy, scores, options.Alpha, options.Temperature);
            Add("kd_loss", kl);
        }
        Add("ce_loss", crossEntropy.item<float>());
        _stepMicroBatches++;
        return (loss, targets.numel());
    }

    /// <summary>The held-out data's cross-entropy, so validation losses of teacher, distilled and plain students compare directly.</summary>
    public double? ValidationLoss(CausalLanguageModel model, Device device) => windows.ValidationLoss(model, device);

    private void Add(string name, double value) => _stepSums[name] = _stepSums.GetValueOrDefault(name) + value;
}
