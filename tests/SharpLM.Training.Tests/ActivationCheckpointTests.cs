using SharpLM.Core;
using SharpLM.Core.Models;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class ActivationCheckpointTests
{
    private static Dictionary<string, float[]> Gradients(CausalLanguageModel model, Tensor tokens, bool checkpoint)
    {
        model.train();
        model.CheckpointActivations = checkpoint;
        model.zero_grad();
        using var logits = model.forward(tokens);
        using var loss = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), tokens.view(-1));
        loss.backward();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Checkpointed_training_computes_the_same_gradients(string family)
    {
        IModelConfig config = family == "llama" ? Tiny.Config(keyValueHeads: 2) : Gpt2Config.Create(50, 32, 2, 4, 16);
        using var model = CausalLanguageModel.Create(config);
        model.InitializeWeights(6);
        manual_seed(2);
        var tokens = randint(50, [2, 12], dtype: ScalarType.Int64);
        var plain = Gradients(model, tokens, checkpoint: false);
        var checkpointed = Gradients(model, tokens, checkpoint: true);
        foreach (var (name, expected) in plain)
        {
            var actual = checkpointed[name];
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"{name}[{i}]: {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void Mixture_of_experts_models_refuse_checkpointing()
    {
        using var model = CausalLanguageModel.Create(Tiny.Config().WithExperts(4, 2));
        Assert.Throws<SharpLMException>(() => model.CheckpointActivations = true);
    }
}
