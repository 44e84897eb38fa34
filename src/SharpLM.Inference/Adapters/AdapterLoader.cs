using SharpLM.Core.Formats.Peft;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Adapters;

/// <summary>Applies a PEFT adapter folder to weights as they load, by the method its adapter_config.json names.</summary>
public static class AdapterLoader
{
    public static void Apply(LlamaWeights weights, string adapterDirectory)
    {
        switch (PeftAdapterType.Read(adapterDirectory))
        {
            case PeftAdapterType.PromptTuning:
                PromptTuningLoader.Apply(weights, adapterDirectory);
                break;
            case PeftAdapterType.TrainableTokens:
                TokenRowsLoader.Apply(weights, adapterDirectory);
                break;
            default:
                LoraAdapterLoader.Apply(weights, adapterDirectory);
                break;
        }
    }
}
