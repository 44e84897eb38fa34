using SharpLM.Core.Models;
using SharpLM.Training.Modeling;

namespace SharpLM.Training.Tests;

/// <summary>Loads libtorch once and builds tiny models for tests.</summary>
public static class Tiny
{
    public static LlamaConfig Config(int keyValueHeads = 4, bool tie = true) =>
        LlamaConfig.Create(vocabSize: 50, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: keyValueHeads, intermediateSize: 48,
            maxPositions: 64, tieEmbeddings: tie);

    public static LlamaForCausalLM Model(int keyValueHeads = 4, bool tie = true, long seed = 3)
    {
        var model = new LlamaForCausalLM(Config(keyValueHeads, tie));
        model.InitializeWeights(seed);
        return model;
    }
}
