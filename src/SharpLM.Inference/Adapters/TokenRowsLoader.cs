using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Adapters;

/// <summary>
/// Applies trainable tokens (a standalone PEFT adapter, or rows beside LoRA's factors) by writing their rows into
/// the engine's embedding table at load; with tied embeddings the table is also the output projection, as in the
/// trained model. Only a float32 table can take them, as for LoRA's deltas.
/// </summary>
public static class TokenRowsLoader
{
    public static void Apply(LlamaWeights weights, string adapterDirectory) => Apply(weights, TrainableTokensAdapter.Load(adapterDirectory, weights.Config), adapterDirectory);

    public static void Apply(LlamaWeights weights, TokenRows rows, string adapterDirectory)
    {
        if (weights.Embeddings is not F32Matrix table)
            throw new SharpLMException($"{adapterDirectory}: the base's embedding table is {weights.Embeddings.Format}; trainable tokens apply to float32 weights (use the unquantized model folder).");
        rows.WriteInto(table.Values.AsSpan(0, table.Rows * table.Columns), table.Columns);
    }
}
