using SharpLM.Core.Models;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Tests;

public class FirstLayersTests
{
    private static readonly LlamaWeights Weights = LlamaWeights.Random(LlamaConfig.Create(64, 32, 3, 4, intermediateSize: 64, maxPositions: 16, tieEmbeddings: false), 5);

    private static float[] LogitsAfter(LlamaWeights weights, params int[] tokens)
    {
        var session = new LlamaSession(weights, 1);
        float[] logits = [];
        foreach (int token in tokens) logits = session.Forward(token).ToArray();
        return logits;
    }

    [Fact]
    public void All_layers_is_the_same_model_and_fewer_is_another()
    {
        Assert.Equal(LogitsAfter(Weights, 1, 2, 3), LogitsAfter(Weights.FirstLayers(3), 1, 2, 3));
        Assert.NotEqual(LogitsAfter(Weights, 1, 2, 3), LogitsAfter(Weights.FirstLayers(2), 1, 2, 3));
        Assert.Equal(2, Weights.FirstLayers(2).Config.NumHiddenLayers);
        Assert.Same(Weights.Layers[0], Weights.FirstLayers(1).Layers[0]); // shared, not copied
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Impossible_cuts_are_refused(int layers) => Assert.Throws<Core.SharpLMException>(() => Weights.FirstLayers(layers));
}
