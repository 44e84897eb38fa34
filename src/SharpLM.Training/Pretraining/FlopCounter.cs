using SharpLM.Core.Models;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// Training FLOPs per token as in the PaLM paper's MFU accounting: 6 × (parameters that take part in matrix
/// multiplies, including the output projection) + 12 × layers × hidden × sequence length for attention scores
/// and values (forward and backward). With a mixture of experts only the k experts a token visits count, plus
/// the router.
/// </summary>
public static class FlopCounter
{
    public static double TrainingFlopsPerToken(LlamaConfig config, int sequenceLength)
    {
        long d = config.HiddenSize;
        long q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        long activeExperts = config.IsMixtureOfExperts ? config.NumExpertsPerToken!.Value : 1;
        long router = config.IsMixtureOfExperts ? d * config.NumLocalExperts!.Value : 0;
        long perLayer = d * q + 2 * d * kv + q * d + activeExperts * 3 * d * config.IntermediateSize + router;
        long matmulParameters = config.NumHiddenLayers * perLayer + (long)config.VocabSize * d;
        return 6.0 * matmulParameters + 12.0 * config.NumHiddenLayers * q * sequenceLength;
    }
}
