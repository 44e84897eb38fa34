#:project ../src/SharpLM.Onnx/SharpLM.Onnx.csproj
#:project ../src/SharpLM.Inference/SharpLM.Inference.csproj
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
// Measures ONNX Runtime (exported graph, KV cache) against the C# engine on the 15M random shape:
// prefill tok/s for a 128-token prompt and decode tok/s for 64 tokens, one thread each, plus file sizes.
// Run it optimised: `DOTNET_TieredCompilation=0 dotnet run -c Release scripts/onnx-bench.cs` (fully optimised code from
// the first call; one short warm-up round would not leave .NET's first tier). The first round of each runtime is a
// warm-up and is not printed.
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpLM.Inference;
using SharpLM.Onnx;

string dir = Path.Combine(Path.GetTempPath(), "sharplm-onnx-bench");
string model = Path.Combine(dir, "model");
if (!Directory.Exists(model)) RandomModelFolder.Write(model, RandomModelShape.Stories15M, seed: 15);
const int prompt = 128, decode = 64;
var engine = EngineModel.Load(model);
var random = new Random(1);
int[] tokens = Enumerable.Range(0, prompt).Select(_ => random.Next(engine.Config.VocabSize)).ToArray();
for (int round = 0; round < 3; round++)
{
    var session = engine.NewSession(1);
    var watch = Stopwatch.StartNew();
    var logits = session.Prefill(tokens);
    double prefill = watch.Elapsed.TotalSeconds;
    int next = ArgMax(logits);
    watch.Restart();
    for (int i = 0; i < decode; i++) next = ArgMax(session.Forward(next));
    if (round > 0) Console.WriteLine($"engine (1 thread): prefill {prompt / prefill:F0} tok/s, decode {decode / watch.Elapsed.TotalSeconds:F0} tok/s");
}
foreach (var type in new[] { OnnxWeightType.Float32, OnnxWeightType.Float16 })
{
    string onnx = Path.Combine(dir, $"model-{type}.onnx");
    var result = OnnxExport.Run(model, onnx, type);
    Console.WriteLine($"{type}: {result.Bytes:N0} bytes");
    using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
    using var ort = new InferenceSession(onnx, options);
    var pastNames = ort.InputMetadata.Keys.Where(n => n.StartsWith("past_key_values.")).ToArray();
    for (int round = 0; round < 3; round++)
    {
        var past = pastNames.ToDictionary(n => n, n => new DenseTensor<float>(Array.Empty<float>(), [1, ort.InputMetadata[n].Dimensions[1], 0, ort.InputMetadata[n].Dimensions[3]]));
        var watch = Stopwatch.StartNew();
        var (logits, present) = Run(ort, tokens.Select(t => (long)t).ToArray(), 0, past);
        double prefill = watch.Elapsed.TotalSeconds;
        int vocab = engine.Config.VocabSize;
        int next = ArgMax(logits.AsSpan((prompt - 1) * vocab, vocab));
        watch.Restart();
        for (int i = 0; i < decode; i++)
        {
            (logits, present) = Run(ort, [next], prompt + i, present);
            next = ArgMax(logits);
        }
        if (round > 0) Console.WriteLine($"onnxruntime {type} (1 thread): prefill {prompt / prefill:F0} tok/s, decode {decode / watch.Elapsed.TotalSeconds:F0} tok/s");
    }
}

static (float[] Logits, Dictionary<string, DenseTensor<float>> Present) Run(InferenceSession ort, long[] ids, int pastLength, Dictionary<string, DenseTensor<float>> past)
{
    int total = pastLength + ids.Length;
    var inputs = new List<NamedOnnxValue>
    {
        NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, [1, ids.Length])),
        NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, total).ToArray(), [1, total])),
        NamedOnnxValue.CreateFromTensor("position_ids", new DenseTensor<long>(Enumerable.Range(pastLength, ids.Length).Select(p => (long)p).ToArray(), [1, ids.Length])),
    };
    inputs.AddRange(past.Select(p => NamedOnnxValue.CreateFromTensor(p.Key, p.Value)));
    using var results = ort.Run(inputs);
    var logits = results.Single(r => r.Name == "logits").AsTensor<float>().ToArray();
    var present = results.Where(r => r.Name.StartsWith("present.")).ToDictionary(r => "past_key_values." + r.Name["present.".Length..], r => (DenseTensor<float>)r.AsTensor<float>().Clone());
    return (logits, present);
}

static int ArgMax(ReadOnlySpan<float> values)
{
    int best = 0;
    for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
    return best;
}
