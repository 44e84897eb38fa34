using SharpLM.Core.Models;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class MixtureOfExpertsTests
{
    private static LlamaConfig Config(int experts = 4, int perToken = 2, double capacity = 1.25) =>
        Tiny.Config().WithExperts(experts, perToken, capacity);

    private static Tensor RouterWeight(SparseMoeBlock block) => block.named_parameters().Single(p => p.name == "gate.weight").parameter;

    /// <summary>Every expert on every token, combined with the renormalised top-k router weights, computed independently.</summary>
    private static Tensor DenseReference(SparseMoeBlock block, Tensor x, int perToken)
    {
        var flat = x.reshape(-1, x.shape[^1]);
        var probabilities = nn.functional.softmax(flat.matmul(RouterWeight(block).t()), -1);
        var (weights, chosen) = probabilities.topk(perToken, -1);
        weights = weights / weights.sum(-1, keepdim: true);
        var experts = block.named_children().Single(c => c.name == "experts").module.children().Cast<MoeExpert>().ToList();
        var all = stack(experts.Select(e => e.forward(flat)).ToArray(), 1); // [tokens, experts, hidden]
        var picked = all.gather(1, chosen.unsqueeze(-1).expand(-1, -1, flat.shape[1]));
        return (picked * weights.unsqueeze(-1)).sum(1).view(x.shape);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Routing_sends_each_token_to_its_top_k_experts_with_renormalised_weights(int perToken)
    {
        manual_seed(3);
        using var block = new SparseMoeBlock(Config(perToken: perToken));
        block.eval(); // dropless
        using var noGrad = no_grad();
        var x = randn(2, 5, 32);
        Assert.True(allclose(block.forward(x), DenseReference(block, x, perToken), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Balance_loss_is_one_for_uniform_routing_and_near_the_expert_count_when_collapsed()
    {
        manual_seed(4);
        using var block = new SparseMoeBlock(Config(experts: 4, perToken: 1));
        block.train();
        var x = randn(1, 64, 32);
        using (no_grad()) RouterWeight(block).zero_(); // every probability 1/4: P uniform, so the loss is exactly 1
        block.forward(x);
        using (var uniform = block.TakeAuxiliaryLoss()!) Assert.Equal(1.0, uniform.item<float>(), 1e-5);

        using (no_grad())
        {
            RouterWeight(block).zero_();
            RouterWeight(block)[0] = ones(32) * 50; // expert 0 wins for inputs with a positive sum ...
        }
        var positive = x.abs();                       // ... which all of these have
        block.forward(positive);
        using var collapsed = block.TakeAuxiliaryLoss()!;
        Assert.InRange(collapsed.item<float>(), 3.9, 4.0);
    }

    [Fact]
    public void Capacity_limits_how_many_tokens_an_expert_takes_in_training()
    {
        manual_seed(5);
        using var block = new SparseMoeBlock(Config(experts: 4, perToken: 1, capacity: 1.0));
        using (no_grad())
        {
            RouterWeight(block).zero_();
            RouterWeight(block)[0] = ones(32) * 50;
        }
        var x = randn(1, 8, 32).abs();
        block.train();
        using var noGrad = no_grad();
        var output = block.forward(x);                // capacity = ceil(1.0 × 8 × 1 / 4) = 2
        var rowNorms = output.view(8, 32).abs().sum(-1).data<float>().ToArray();
        Assert.All(rowNorms[..2], n => Assert.True(n > 0));
        Assert.All(rowNorms[2..], n => Assert.Equal(0f, n));
        block.eval();
        Assert.All(block.forward(x).view(8, 32).abs().sum(-1).data<float>().ToArray(), n => Assert.True(n > 0)); // inference is dropless
    }

    [Fact]
    public void Mixtral_and_qwen3_models_use_the_transformers_tensor_names()
    {
        using var mixtral = new LlamaForCausalLM(Config());
        var names = mixtral.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.1.block_sparse_moe.gate.weight", names);
        Assert.Contains("model.layers.1.block_sparse_moe.experts.3.w1.weight", names);
        Assert.Contains("model.layers.1.block_sparse_moe.experts.3.w2.weight", names);
        Assert.Contains("model.layers.1.block_sparse_moe.experts.3.w3.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("mlp."));
        Assert.Equal(mixtral.Config.ParameterCount, mixtral.parameters().Sum(p => p.numel()));

        using var qwen3 = new LlamaForCausalLM(Tiny.Config().WithQkNorm());
        var qwenNames = qwen3.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_norm.weight", qwenNames);
        Assert.Contains("model.layers.0.self_attn.k_norm.weight", qwenNames);
        Assert.Equal(qwen3.Config.ParameterCount, qwen3.parameters().Sum(p => p.numel()));
        Assert.Contains("\"Qwen3ForCausalLM\"", qwen3.Config.ToJson());
        Assert.Contains("\"num_local_experts\": 4", mixtral.Config.ToJson());
    }

    [Fact]
    public void A_mixture_of_experts_model_trains_and_its_checkpoint_round_trips()
    {
        var config = TinyCorpus.Config(steps: 40);
        config = config with { Model = config.Model with { Experts = 4, ExpertsPerToken = 2 } };
        using var model = CausalLanguageModel.Create(config.Model.ToConfig(TinyCorpus.Tokenizer.VocabularySize, TinyCorpus.Tokenizer.EndOfTextId, "test"));
        model.InitializeWeights(2);
        using var train = new Core.Formats.TokenShards.TokenShardReader(TinyCorpus.TrainShard);
        var losses = new List<double>();
        new Pretrainer(model, config).Run(train, null, onStep: r => losses.Add(r.Loss));
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average() - 1, $"loss {losses.First()} → {losses.Last()}");

        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        Checkpoints.HfCheckpoint.Save(model, TinyCorpus.Tokenizer, directory);
        using var loaded = Checkpoints.HfCheckpoint.Load(directory);
        Assert.True(((LlamaConfig)loaded.Config).IsMixtureOfExperts);
        using var noGrad = no_grad();
        model.eval();
        var tokens = tensor(new long[] { 1, 2, 3, 4, 5 }, [1, 5]);
        Assert.True(allclose(model.forward(tokens), loaded.forward(tokens), rtol: 0, atol: 0));
    }
}
