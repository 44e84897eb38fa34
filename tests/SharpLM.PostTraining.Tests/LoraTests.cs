using SharpLM.PostTraining.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class LoraTests
{
    private static readonly Tensor Tokens = tensor(new long[] { 1, 5, 9, 40, 2, 7, 100, 3 }, [1, 8]);

    private static float[] Logits(Training.Modeling.CausalLanguageModel model)
    {
        using var noGrad = no_grad();
        using var logits = model.forward(Tokens);
        return logits.data<float>().ToArray();
    }

    [Fact]
    public void A_fresh_adapter_leaves_the_logits_unchanged_and_freezes_the_base()
    {
        using var model = ChatFixture.Model();
        float[] before = Logits(model);
        using var adapters = new LoraAdapters(model, new LoraOptions { Rank = 4, Dropout = 0 }, seed: 1);
        Assert.Equal(before, Logits(model));
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        Assert.Equal(2 * 2 * 7, adapters.Parameters.Count); // A and B for 7 projections in 2 layers
        Assert.Contains(adapters.Parameters, p => p.Parameter.data<float>().ToArray().Any(v => v != 0)); // A is random, only B is zero
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_full_rank_adapter_holding_a_known_delta_equals_the_model_with_that_delta_added(bool rsLora)
    {
        // Rank = min(out, in) = 32 for q_proj: A = I and B = Δ / scaling make B·A·scaling exactly Δ.
        var options = new LoraOptions { Rank = 32, Alpha = 8, Targets = ["q_proj", "down_proj"], Dropout = 0, RsLora = rsLora };
        using var merged = ChatFixture.Model();
        using var adapted = ChatFixture.Model();
        using var adapters = new LoraAdapters(adapted, options, seed: 1);
        var generator = new TorchSharp.torch.Generator(9, CPU);
        using (no_grad())
        {
            var mergedLinears = merged.named_modules().Where(m => m.module is Linear).ToDictionary(m => m.name, m => (Linear)m.module);
            foreach (var (name, parameter) in adapters.Parameters.Where(p => p.Name.EndsWith("lora_A.weight")))
            {
                string module = Core.Formats.Peft.PeftTensorNames.ModuleOfLoraA(name)!;
                var b = adapters.Parameters.Single(p => p.Name == Core.Formats.Peft.PeftTensorNames.LoraB(module)).Parameter;
                var weight = mergedLinears[module].weight!;
                long rows = weight.shape[0], columns = weight.shape[1];
                // q_proj is [32, 32]: A = I, B = Δ / scaling. down_proj is [32, 48]: B = I, A = Δ / scaling.
                using var delta = randn([rows, columns], generator: generator) * 0.05;
                if (columns == 32) { parameter.copy_(eye(32)); b.copy_(delta / options.Scaling); }
                else { b.copy_(eye(32)); parameter.copy_(delta / options.Scaling); }
                weight.add_(delta);
            }
        }
        float[] expected = Logits(merged), actual = Logits(adapted);
        for (int i = 0; i < expected.Length; i++) Near(expected[i], actual[i], 1e-4);
        adapters.MergeAndUnload();
        float[] afterMerge = Logits(adapted);
        for (int i = 0; i < expected.Length; i++) Near(expected[i], afterMerge[i], 1e-4);
    }

    [Fact]
    public void Options_outside_peft_ranges_name_the_option()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => new LoraOptions { Targets = ["q_proj", "qkv"] }.Validate("sft"));
        Assert.StartsWith("sft: option '--lora-targets' names 'qkv'", error.Message);
        Assert.StartsWith("sft: option '--lora-rank' is 0", Assert.Throws<Core.SharpLMException>(() => new LoraOptions { Rank = 0 }.Validate("sft")).Message);
    }
}
