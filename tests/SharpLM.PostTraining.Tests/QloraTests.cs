using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

/// <summary>
/// QLoRA's quantized base against the inference engine, which quantizes the same saved weights on its own path
/// (LlamaWeights.Convert): the decoded weights must agree bit for bit and the logits within the engine's int8
/// activation rounding; gradients must reach the adapters only, and equal those of a float32 model holding the
/// decoded weights (autograd's own matmul backward as the second implementation).
/// </summary>
public class QloraTests
{
    private static readonly long[] Prompt = [3, 17, 42, 99, 5, 250, 8, 61];

    // Every projection's input width (64, 96) is a multiple of the 32-value group, so all seven are quantized.
    private static LlamaConfig Config => LlamaConfig.Create(vocabSize: ChatFixture.Tokenizer.VocabularySize, hiddenSize: 64, layers: 2, heads: 4,
        keyValueHeads: 2, intermediateSize: 96, maxPositions: 128, tieEmbeddings: false);

    private static (LlamaForCausalLM Model, string Folder) SavedModel()
    {
        var model = new LlamaForCausalLM(Config);
        model.InitializeWeights(7);
        string folder = Path.Combine(Directory.CreateTempSubdirectory("sharplm-qlora-").FullName, "base");
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, folder);
        return (model, folder);
    }

    private static WeightMatrix EngineMatrix(LlamaWeights weights, string module)
    {
        string[] parts = module.Split('.'); // model.layers.{i}.{self_attn|mlp}.{projection}
        var layer = weights.Layers[int.Parse(parts[2])];
        return parts[4] switch
        {
            "q_proj" => layer.Query, "k_proj" => layer.Key, "v_proj" => layer.Value, "o_proj" => layer.Output,
            "gate_proj" => layer.FeedForwards[0].Gate, "up_proj" => layer.FeedForwards[0].Up, "down_proj" => layer.FeedForwards[0].Down,
            _ => throw new ArgumentException(module),
        };
    }

    [Theory]
    [InlineData(WeightFormat.Q8_0)]
    [InlineData(WeightFormat.Q4)]
    public void The_decoded_base_equals_the_engines_decoding_bit_for_bit(WeightFormat format)
    {
        var (saved, folder) = SavedModel();
        saved.Dispose();
        var (model, bytes) = QuantizedBase.Load(ModelFolder.Open(folder), format);
        using var _ = model;
        var engine = LlamaWeights.Load(ModelFolder.Open(folder)).Convert(format, WeightFormat.F32);
        var layers = model.named_modules().Where(m => m.module is QuantizedLinear).ToList();
        Assert.Equal(14, layers.Count);
        Assert.Equal(layers.Sum(l => ((QuantizedLinear)l.module).InFeatures * ((QuantizedLinear)l.module).OutFeatures) * (format == WeightFormat.Q8_0 ? 9 : 5) / 8, bytes);
        foreach (var (name, module) in layers)
        {
            using var decoded = ((QuantizedLinear)module).Dequantize();
            float[] ours = decoded.data<float>().ToArray();
            var matrix = EngineMatrix(engine, name);
            Assert.Equal(format, matrix.Format);
            var row = new float[matrix.Columns];
            for (int r = 0; r < matrix.Rows; r++)
            {
                matrix.DequantizeRow(r, row);
                for (int c = 0; c < row.Length; c++)
                    if (BitConverter.SingleToInt32Bits(row[c]) != BitConverter.SingleToInt32Bits(ours[r * row.Length + c]))
                        Assert.Fail($"{name}[{r}, {c}]: engine {row[c]:R}, QLoRA {ours[r * row.Length + c]:R}");
            }
        }
    }

    [Theory]
    [InlineData(WeightFormat.Q8_0, 0.02)]
    [InlineData(WeightFormat.Q4, 0.02)]
    public void A_zero_adapter_over_the_quantized_base_gives_the_engines_quantized_logits(WeightFormat format, double tolerance)
    {
        var (saved, folder) = SavedModel();
        saved.Dispose();
        var (model, _) = QuantizedBase.Load(ModelFolder.Open(folder), format);
        using var __ = model;
        using var adapters = new LoraAdapters(model, new LoraOptions { Rank = 4, Dropout = 0 }, seed: 2);
        model.eval();
        float[] ours;
        using (no_grad())
        using (var logits = model.forward(tensor(Prompt, [1, Prompt.Length])))
            ours = logits[0, Prompt.Length - 1].data<float>().ToArray();

        var original = LlamaWeights.Load(ModelFolder.Open(folder));
        float[] quantized = Last(new LlamaSession(original.Convert(format, WeightFormat.F32), 1)), full = Last(new LlamaSession(original, 1));
        double error = ours.Zip(quantized).Max(p => Math.Abs(p.First - p.Second));
        double quantizationEffect = full.Zip(quantized).Max(p => Math.Abs(p.First - p.Second));
        Near(0, error, tolerance);
        // The check has teeth: the quantized base is measurably nearer the engine's quantized model than its float32 one.
        Assert.True(error < quantizationEffect, $"difference to the quantized engine {error}, quantization itself moves logits by {quantizationEffect}");
    }

    private static float[] Last(LlamaSession session)
    {
        float[] last = [];
        foreach (long token in Prompt) last = session.Forward((int)token).ToArray();
        return last;
    }

    [Fact]
    public void Gradients_reach_only_the_adapters_and_equal_those_over_the_decoded_float32_weights()
    {
        var (saved, folder) = SavedModel();
        saved.Dispose();
        var (quantized, _) = QuantizedBase.Load(ModelFolder.Open(folder), WeightFormat.Q4);
        var (reference, _) = SavedModel();
        using var q = quantized;
        using var r = reference;
        using (no_grad())
            foreach (var (name, module) in quantized.named_modules().Where(m => m.module is QuantizedLinear))
            {
                var linear = (TorchSharp.Modules.Linear)reference.named_modules().Single(m => m.name == name).module;
                using var decoded = ((QuantizedLinear)module).Dequantize();
                linear.weight.copy_(decoded);
            }
        var options = new LoraOptions { Rank = 4, Dropout = 0 };
        using var ours = new LoraAdapters(quantized, options, seed: 5);
        using var theirs = new LoraAdapters(reference, options, seed: 5);
        using (no_grad())
            foreach (var adapters in new[] { ours, theirs })
            {
                var generator = new Generator(9, CPU);
                foreach (var (name, parameter) in adapters.Parameters.Where(p => p.Name.Contains("lora_B")))
                    parameter.copy_(randn(parameter.shape, generator: generator) * 0.1);
            }
        foreach (var model in new CausalLanguageModel[] { quantized, reference })
        {
            using var logits = model.forward(tensor(Prompt, [1, Prompt.Length]));
            using var loss = nn.functional.cross_entropy(logits[0, ..^1], tensor(Prompt[1..]));
            loss.backward();
        }
        foreach (var (name, parameter) in quantized.named_parameters()) Assert.True(parameter.grad is null, $"{name} received a gradient");
        Assert.DoesNotContain(quantized.named_buffers(), b => b.buffer.requires_grad);
        foreach (var ((name, a), (_, b)) in ours.Parameters.Zip(theirs.Parameters))
        {
            float[] x = a.grad!.data<float>().ToArray(), y = b.grad!.data<float>().ToArray();
            Assert.True(x.Any(v => v != 0), $"{name} has a zero gradient");
            double scale = y.Max(Math.Abs);
            for (int i = 0; i < x.Length; i++) Near(y[i], x[i], 1e-4 * Math.Max(1, scale));
        }
    }

    [Fact]
    public void A_killed_and_resumed_qlora_run_reproduces_the_uninterrupted_run_exactly()
    {
        var lora = new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.1 };
        var uninterrupted = Train(Directory.CreateTempSubdirectory().FullName, lora);
        Assert.True(uninterrupted[^1] < uninterrupted[0], "the loss falls");
        string run = Directory.CreateTempSubdirectory().FullName;
        var first = Train(run, lora, stopAfter: 6); // the last checkpoint is at step 4
        var second = Train(run, lora, resume: true);
        Assert.Equal(uninterrupted.Take(6), first);
        Assert.Equal(uninterrupted.Skip(4), second);
    }

    [Fact]
    public void A_quantized_base_without_an_adapter_or_in_another_format_is_refused()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => new SftOptions { QuantizeBase = "q8_0" }.Validate("sft"));
        Assert.Contains("'--quantize-base'", error.Message);
        error = Assert.Throws<Core.SharpLMException>(() => new SftOptions { QuantizeBase = "bf16", Lora = new LoraOptions() }.Validate("sft"));
        Assert.Contains("'bf16'; use q8_0 or q4", error.Message);
    }

    /// <summary>The chat fixture's model saved once, for runs that load their base as a QLoRA run does.</summary>
    internal static readonly Lazy<string> ChatModelFolder = new(() =>
    {
        string folder = Path.Combine(Directory.CreateTempSubdirectory("sharplm-qlora-chat-").FullName, "base");
        using var model = ChatFixture.Model();
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, folder);
        return folder;
    });

    private static List<double> Train(string run, LoraOptions lora, bool resume = false, int? stopAfter = null)
    {
        var options = new SftOptions { MaxLength = 64, ValidationFraction = 0.1, Seed = 4, Lora = lora, QuantizeBase = "q8_0" };
        var data = SftData.Load(ChatFixture.ChatFile, ChatFixture.Template, options);
        var (model, _) = QuantizedBase.Load(ModelFolder.Open(ChatModelFolder.Value), options.BaseFormat!.Value);
        using var __ = model;
        using var adapters = new LoraAdapters(model, lora, options.Seed);
        var config = new PretrainConfig
        {
            Training = new PretrainOptions
            {
                Steps = 10, BatchSize = 2, SequenceLength = 64, LearningRate = 3e-3, WarmupSteps = 2, EvalInterval = 3,
                EvalBatches = 2, CheckpointInterval = 4, WeightDecay = 0,
            },
        };
        var objective = new SftObjective(data, options, config.Training.BatchSize, config.Training.EvalBatches, adapters);
        var losses = new List<double>();
        InterruptedRun.Run(model, config, objective, adapters, run, resume, stopAfter, r =>
        {
            losses.Add(r.Loss);
        });
        return losses;
    }
}
