using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Adapters;

/// <summary>
/// Applies a PEFT prompt-tuning adapter: its virtual token embeddings become part of the weights, and every
/// sequence the engine starts over them begins with those rows (<see cref="LlamaWeights.VirtualTokens"/>), whatever
/// decodes it: generate, chat, evaluation and the server's batch slots alike. The context left to the caller
/// shrinks by their number.
/// </summary>
public static class PromptTuningLoader
{
    /// <param name="scoring">The adapter is a reward model's (SEQ_CLS): its virtual tokens apply, its head is the scorer's to read.</param>
    /// <returns>The adapter read, for a scorer that needs its head.</returns>
    public static PromptTuningAdapter Apply(LlamaWeights weights, string adapterDirectory, bool scoring = false)
    {
        var adapter = PromptTuningAdapter.Load(adapterDirectory, weights.Config, scoring);
        int count = adapter.Config.VirtualTokens, positions = weights.Config.MaxPositionEmbeddings;
        if (count >= positions)
            throw new SharpLMException($"{Path.Combine(adapterDirectory, PeftConfigFile.FileName)}: field 'num_virtual_tokens' is {count}; the base model's max_position_embeddings ({positions}) leaves no room for input.");
        weights.VirtualTokens = adapter.Embeddings;
        return adapter;
    }
}
