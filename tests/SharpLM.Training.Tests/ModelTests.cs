using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class ModelTests
{
    [Fact]
    public void Forward_gives_logits_and_backward_reaches_every_parameter()
    {
        using var model = Tiny.Model();
        using var tokens = randint(50, [2, 7], dtype: ScalarType.Int64);
        using var logits = model.forward(tokens);
        Assert.Equal(new long[] { 2, 7, 50 }, logits.shape);
        using var loss = nn.functional.cross_entropy(logits.view(-1, 50), tokens.view(-1));
        loss.backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.NotNull(parameter.grad);
            Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"{name} received no gradient");
        }
    }

    [Fact]
    public void Parameter_names_are_those_of_transformers_LlamaForCausalLM()
    {
        using var tied = Tiny.Model();
        var names = tied.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.norm.weight", names);
        foreach (int layer in new[] { 0, 1 })
        {
            foreach (string part in new[] { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm" })
                Assert.Contains($"model.layers.{layer}.{part}.weight", names);
        }
        Assert.Equal(2 + 2 * 9, names.Count);
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.Equal(tied.Config.ParameterCount, tied.parameters().Sum(p => p.numel()));

        using var untied = Tiny.Model(tie: false);
        Assert.Contains("lm_head.weight", untied.named_parameters().Select(p => p.name));
        Assert.Equal(untied.Config.ParameterCount, untied.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Attention_is_causal_a_later_token_never_changes_earlier_logits()
    {
        using var model = Tiny.Model(keyValueHeads: 2);
        model.eval();
        using var noGrad = no_grad();
        var a = tensor(new long[] { 1, 2, 3, 4, 5, 6 }, [1, 6]);
        var b = tensor(new long[] { 1, 2, 3, 4, 5, 42 }, [1, 6]);
        var logitsA = model.forward(a);
        var logitsB = model.forward(b);
        Assert.True(allclose(logitsA.narrow(1, 0, 5), logitsB.narrow(1, 0, 5), rtol: 1e-5, atol: 1e-6));
        Assert.False(allclose(logitsA.narrow(1, 5, 1), logitsB.narrow(1, 5, 1)));
    }

    [Fact]
    public void Rms_norm_matches_its_formula()
    {
        using var norm = new RmsNorm(4, 1e-5);
        using var noGrad = no_grad();
        norm.parameters().Single().copy_(tensor(new float[] { 1, 2, 0.5f, -1 }));
        var x = tensor(new float[] { 1, -2, 3, 4 }, [1, 4]);
        double rms = Math.Sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-5);
        var expected = new[] { 1 / rms * 1, -2 / rms * 2, 3 / rms * 0.5, 4 / rms * -1 }.Select(v => (float)v).ToArray();
        var actual = norm.forward(x).data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    [Fact]
    public void Rotary_embedding_makes_scores_depend_only_on_relative_position()
    {
        using var rotary = new RotaryEmbedding(headDim: 8, maxPositions: 32, theta: 10000);
        manual_seed(5);
        var q = randn(1, 1, 1, 8);
        var k = randn(1, 1, 1, 8);
        float Score(long m, long n) => (rotary.Apply(q, m) * rotary.Apply(k, n)).sum().item<float>();
        Assert.Equal(Score(3, 1), Score(13, 11), 1e-4);
        Assert.Equal(Score(0, 5), Score(20, 25), 1e-4);
        Assert.NotEqual(Score(3, 1), Score(3, 2), 3);
        // A rotation preserves length.
        Assert.Equal(q.norm().item<float>(), rotary.Apply(q, 7).norm().item<float>(), 1e-4);
    }

    /// <summary>With tied key/value weights per group, grouped-query attention equals multi-head attention.</summary>
    [Fact]
    public void Grouped_query_attention_equals_multi_head_attention_with_repeated_key_value_heads()
    {
        using var grouped = Tiny.Model(keyValueHeads: 2);
        using var full = Tiny.Model(keyValueHeads: 4);
        using (no_grad())
        {
            var source = grouped.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in full.named_parameters())
            {
                TorchSharp.torch.Tensor value = source[name];
                if (name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight"))
                    value = value.view(2, 8, 32).repeat_interleave(2, dim: 0).reshape(32, 32); // head_dim 8: each kv head serves two query heads
                parameter.copy_(value);
            }
        }
        using var noGrad = no_grad();
        var tokens = tensor(new long[] { 3, 1, 4, 1, 5, 9, 2, 6 }, [1, 8]);
        Assert.True(allclose(grouped.forward(tokens), full.forward(tokens), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Initialisation_depends_only_on_the_seed_not_on_the_global_generator()
    {
        using var first = Tiny.Model(seed: 21);
        manual_seed(99);
        randn(1000).Dispose(); // other code drawing from torch's global generator in between
        using var second = Tiny.Model(seed: 21);
        using var third = Tiny.Model(seed: 22);
        var a = first.parameters().First().data<float>().ToArray();
        Assert.Equal(a, second.parameters().First().data<float>().ToArray());
        Assert.NotEqual(a, third.parameters().First().data<float>().ToArray());
    }
}
