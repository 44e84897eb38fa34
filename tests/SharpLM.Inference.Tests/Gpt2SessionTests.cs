using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Gpt2;

namespace SharpLM.Inference.Tests;

/// <summary>
/// The GPT-2 engine on its own: the KV cache against recomputation, the checkpoint reader's layout handling and
/// its errors, the activations. Parity with the TorchSharp model is checked in SharpLM.Training.Tests.
/// </summary>
public class Gpt2SessionTests
{
    private static readonly Gpt2Config Config = Gpt2Config.Create(vocabSize: 90, embedding: 32, layers: 2, heads: 4, positions: 16);
    private static readonly int[] Tokens = [3, 14, 15, 9, 2, 6, 5, 3, 5, 89, 0, 7];

    /// <summary>
    /// A model folder as transformers writes GPT2LMHeadModel: Conv1D weights stored [in, out], optionally without the
    /// "transformer." prefix (the original exports). Values are seeded random, biases and gains included.
    /// </summary>
    private static (string Directory, Dictionary<string, float[]> Stored) WriteFolder(Gpt2Config config, string prefix = "transformer.",
        Func<string, long[], long[]>? reshape = null)
    {
        string directory = Directory.CreateTempSubdirectory("sharplm-gpt2-").FullName;
        config.Save(Path.Combine(directory, "config.json"));
        var random = new Random(5);
        var stored = new Dictionary<string, float[]>();
        var tensors = new List<SafetensorsTensor>();
        void Add(string name, params long[] shape)
        {
            shape = reshape?.Invoke(name, shape) ?? shape;
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            bool gain = name.Contains("ln_") && name.EndsWith(".weight");
            for (int i = 0; i < values.Length; i++) values[i] = (gain ? 1f : 0f) + (float)(random.NextDouble() - 0.5) * (gain ? 1f : 0.2f);
            stored[name] = values;
            tensors.Add(SafetensorsTensor.FromFloat32(prefix + name, shape, values));
        }
        long d = config.Embedding, ff = config.InnerSize;
        Add("wte.weight", config.VocabSize, d);
        Add("wpe.weight", config.Positions, d);
        for (int i = 0; i < config.Layers; i++)
        {
            string p = $"h.{i}.";
            Add(p + "ln_1.weight", d); Add(p + "ln_1.bias", d);
            Add(p + "attn.c_attn.weight", d, 3 * d); Add(p + "attn.c_attn.bias", 3 * d);
            Add(p + "attn.c_proj.weight", d, d); Add(p + "attn.c_proj.bias", d);
            Add(p + "ln_2.weight", d); Add(p + "ln_2.bias", d);
            Add(p + "mlp.c_fc.weight", d, ff); Add(p + "mlp.c_fc.bias", ff);
            Add(p + "mlp.c_proj.weight", ff, d); Add(p + "mlp.c_proj.bias", d);
        }
        Add("ln_f.weight", d); Add("ln_f.bias", d);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors);
        return (directory, stored);
    }

    private static float[][] DecodeAll(IDecoderSession session, IEnumerable<int> tokens) => tokens.Select(t => session.Forward(t).ToArray()).ToArray();

    [Fact]
    public void Conv1D_weights_are_transposed_to_rows_of_outputs_at_load()
    {
        var (directory, stored) = WriteFolder(Config);
        var weights = Gpt2Weights.Load(directory);
        int d = Config.Embedding, ff = Config.InnerSize;
        var layer = weights.Layers[1];
        for (int output = 0; output < 3 * d; output++)
            for (int input = 0; input < d; input++)
                Assert.Equal(stored["h.1.attn.c_attn.weight"][input * 3 * d + output], layer.QueryKeyValue[output * d + input]);
        for (int output = 0; output < d; output++)
            for (int input = 0; input < ff; input++)
                Assert.Equal(stored["h.1.mlp.c_proj.weight"][input * d + output], layer.FeedForwardDown[output * ff + input]);
        Assert.Equal(stored["wte.weight"], weights.TokenEmbeddings);
        Assert.Equal(stored["h.1.ln_2.bias"], layer.FeedForwardNormBias);
    }

    [Fact]
    public void A_folder_without_the_transformer_prefix_gives_the_same_logits()
    {
        var prefixed = new Gpt2Session(Gpt2Weights.Load(WriteFolder(Config).Directory), 1);
        var bare = new Gpt2Session(Gpt2Weights.Load(WriteFolder(Config, prefix: "").Directory), 1);
        Assert.Equal(DecodeAll(prefixed, Tokens), DecodeAll(bare, Tokens));
    }

    [Fact]
    public void A_tensor_whose_shape_disagrees_with_config_json_is_named()
    {
        var (directory, _) = WriteFolder(Config, reshape: (name, shape) => name == "h.1.mlp.c_fc.weight" ? [shape[1], shape[0]] : shape);
        var error = Assert.Throws<SharpLMException>(() => Gpt2Weights.Load(directory));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("'transformer.h.1.mlp.c_fc.weight' has shape [128, 32]", error.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var (directory, _) = WriteFolder(Config);
        (Config with { Layers = 3 }).Save(Path.Combine(directory, "config.json"));
        Assert.Contains("'transformer.h.2.ln_1.weight' is missing", Assert.Throws<SharpLMException>(() => Gpt2Weights.Load(directory)).Message);
    }

    /// <summary>Decoding through the cache equals recomputing every prefix from scratch in a fresh session, also after truncation.</summary>
    [Fact]
    public void Cached_decoding_equals_recomputation_from_scratch_also_after_truncation()
    {
        var weights = Gpt2Weights.Random(Config with { Inner = 2048 }, seed: 3); // a 2048-wide feed-forward is split across threads
        var session = new Gpt2Session(weights, 2);
        var cached = DecodeAll(session, Tokens);
        for (int p = 0; p < Tokens.Length; p++)
            Assert.Equal(cached[p], DecodeAll(new Gpt2Session(weights, 2), Tokens.Take(p + 1)).Last());

        session.Truncate(5);
        Assert.Equal(5, session.Length);
        int[] branch = [.. Tokens.Take(5), 40, 41, 42];
        Assert.Equal(DecodeAll(new Gpt2Session(weights, 1), branch).Skip(5), DecodeAll(session, branch.Skip(5)));
    }

    [Fact]
    public void Feeding_several_tokens_at_once_gives_the_logits_after_each()
    {
        var weights = Gpt2Weights.Random(Config, seed: 4);
        var batch = new float[Tokens.Length * Config.VocabSize];
        new Gpt2Session(weights, 1).Forward(Tokens, batch);
        var single = DecodeAll(new Gpt2Session(weights, 1), Tokens);
        Assert.Equal(single.SelectMany(row => row), batch);
    }

    [Fact]
    public void The_logits_source_keeps_a_shared_prefix_and_matches_a_fresh_session()
    {
        var weights = Gpt2Weights.Load(WriteFolder(Config).Directory);
        var session = new Gpt2Session(weights, 1);
        var reused = new SessionLogitsSource(session);
        reused.Next([1, 2, 3, 4, 5]);
        var branched = reused.Next([1, 2, 3, 9]).ToArray(); // keeps positions 0..2, recomputes from 3
        Assert.Equal(4, session.Length);
        Assert.Equal(new SessionLogitsSource(new Gpt2Session(weights, 1)).Next([1, 2, 3, 9]).ToArray(), branched);
        Assert.Equal(branched, reused.Next([1, 2, 3, 9]).ToArray()); // asking again recomputes only the last position
        Assert.Equal(Config.Positions, reused.MaxContext);
    }

    [Fact]
    public void Tokens_outside_the_vocabulary_and_sequences_past_n_positions_are_refused()
    {
        var session = new Gpt2Session(Gpt2Weights.Random(Config, seed: 1), 1);
        Assert.Contains("outside the model's vocabulary of 90", Assert.Throws<SharpLMException>(() => session.Forward(90)).Message);
        for (int i = 0; i < Config.Positions; i++) session.Forward(1);
        Assert.Contains("n_positions (16)", Assert.Throws<SharpLMException>(() => session.Forward(1)).Message);
    }

    [Fact]
    public void The_engine_model_reads_a_gpt2_folder_as_gpt2()
    {
        var model = EngineModel.Load(WriteFolder(Config).Directory);
        Assert.Equal("gpt2", model.Config.ModelType);
        Assert.IsType<Gpt2Session>(model.NewSession(1));
        Assert.True(EngineModel.Supports(Config));
    }

    /// <summary>Reference values of 0.5·x·(1 + erf(x/√2)) and of the tanh form, from Python's math module.</summary>
    [Theory]
    [InlineData(-3.0, -0.00404969409489031, -0.0036373920817729943)]
    [InlineData(-1.0, -0.15865525393145707, -0.15880800939172324)]
    [InlineData(0.5, 0.34573123063700656, 0.34571400982514394)]
    [InlineData(1.0, 0.8413447460685429, 0.8411919906082768)]
    [InlineData(2.0, 1.9544997361036416, 1.954597694087775)]
    [InlineData(3.0, 2.99595030590511, 2.996362607918227)]
    public void Both_gelu_forms_match_reference_values(double x, double exact, double tanh)
    {
        float[] a = [(float)x], b = [(float)x], scratch = new float[1];
        Gelu.Exact(a);
        Gelu.Tanh(b, scratch);
        double tolerance = 4e-7 * Math.Max(1, Math.Abs(x)); // float32 rounding and the erf approximation; the two forms differ by more
        Assert.Equal(exact, a[0], tolerance);
        Assert.Equal(tanh, b[0], tolerance);
    }
}
