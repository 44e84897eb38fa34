using System.Text.Json;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.PostTraining.Lora;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Sft;

/// <summary>
/// Supervised fine-tuning's objective for the shared training loop: rows of conversations (packed or padded), loss
/// averaged over assistant tokens only. The rows of a micro-batch are a hash of (seed, step, micro-batch, row), as
/// pretraining's windows are, so a resumed run draws exactly the batches an uninterrupted one would.
/// </summary>
public sealed class SftObjective : ITrainingObjective
{
    private readonly SftData _data;
    private readonly SftOptions _options;
    private readonly int _batchSize, _evalRows;
    private readonly List<int[]> _trainRows, _validationRows;
    private readonly LoraAdapters? _adapters;
    private readonly PromptTuning.PromptEmbedding? _prompt;

    /// <param name="prompt">Prompt tuning's embedding, placed before every conversation; null for none.</param>
    public SftObjective(SftData data, SftOptions options, int batchSize, int evalBatches, LoraAdapters? adapters = null, PromptTuning.PromptEmbedding? prompt = null)
    {
        if ((prompt?.VirtualTokens ?? 0) != options.VirtualTokens)
            throw new ArgumentException("The prompt embedding must be the one the options describe.", nameof(prompt));
        _prompt = prompt;
        _data = data;
        _options = options;
        _batchSize = batchSize;
        _evalRows = batchSize * evalBatches;
        _adapters = adapters;
        _trainRows = ConversationPacking.Rows(data.Train, options.MaxLength, options.Packing, options.VirtualTokens);
        _validationRows = ConversationPacking.Rows(data.Validation, options.MaxLength, options.Packing, options.VirtualTokens);
    }

    public int TrainRows => _trainRows.Count;

    public TokenShardIdentity? Data => _data.Identity;

    public string? Settings => JsonSerializer.Serialize(_options);

    /// <summary>The rows of one micro-batch.</summary>
    public IEnumerable<int[]> RowsFor(int step, int microBatch)
    {
        for (int i = 0; i < _batchSize; i++) yield return _trainRows[RowDraw.Row(_options.Seed, step, microBatch, i, _trainRows.Count)];
    }

    public (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device)
    {
        _adapters?.SeedDropout(_options.Seed, step, microBatch);
        using var batch = SftBatch.Build(_data.Train, RowsFor(step, microBatch), device, _options.VirtualTokens);
        var (sum, count) = batch.LossSum(model, _prompt);
        return (sum / count, batch.RealTokens);
    }

    /// <summary>Mean loss per assistant token over the held-out conversations (at most eval_batches × batch_size rows).</summary>
    public double? ValidationLoss(CausalLanguageModel model, Device device)
    {
        if (_validationRows.Count == 0) return null;
        double total = 0;
        long count = 0;
        foreach (var chunk in _validationRows.Take(_evalRows).Chunk(_batchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = SftBatch.Build(_data.Validation, chunk, device, _options.VirtualTokens);
            var (sum, n) = batch.LossSum(model, _prompt);
            total += sum.item<float>();
            count += n;
        }
        return total / count;
    }
}
