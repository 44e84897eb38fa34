using System.Diagnostics;
using SharpLM.Inference;

namespace SharpLM.Onnx;

/// <summary>One runtime's speed on one model: the file it ran, prompt processing and decoding in tokens per second, and the greedy tokens it decoded.</summary>
public sealed record OnnxBenchmarkRow(string Runtime, long FileBytes, double PrefillTokensPerSecond, double DecodeTokensPerSecond, IReadOnlyList<int> Tokens);

/// <summary>
/// Times a prompt as one prefill and then greedy decoding token by token on the cache, the same work for the C# engine
/// and for ONNX Runtime on an exported graph. The first round is a warm-up; the reported round is the mean of the others.
/// </summary>
public static class OnnxBenchmark
{
    public static OnnxBenchmarkRow Engine(string modelDirectory, long fileBytes, int[] prompt, int decode, int threads, int rounds)
    {
        var engine = EngineModel.Load(modelDirectory);
        return Measure("engine", fileBytes, rounds, () =>
        {
            var session = engine.NewSession(threads);
            var watch = Stopwatch.StartNew();
            var decoded = new int[decode];
            decoded[0] = ArgMax(session.Prefill(prompt));
            double prefill = watch.Elapsed.TotalSeconds;
            watch.Restart();
            for (int i = 1; i < decode; i++) decoded[i] = ArgMax(session.Forward(decoded[i - 1]));
            return (prefill, watch.Elapsed.TotalSeconds, decoded);
        }, prompt.Length, decode);
    }

    public static OnnxBenchmarkRow OnnxRuntime(string runtime, string onnx, int[] prompt, int decode, int threads, int rounds)
    {
        using var decoder = new OnnxDecoder(onnx, threads);
        return Measure(runtime, new FileInfo(onnx).Length, rounds, () =>
        {
            var ids = new long[1, prompt.Length];
            for (int t = 0; t < prompt.Length; t++) ids[0, t] = prompt[t];
            var watch = Stopwatch.StartNew();
            var (logits, past) = decoder.Run(ids, Ones(prompt.Length), decoder.EmptyPast(1));
            int vocab = logits.Dimensions[2];
            var decoded = new int[decode];
            decoded[0] = ArgMax(logits.Buffer.Span.Slice((prompt.Length - 1) * vocab, vocab));
            double prefill = watch.Elapsed.TotalSeconds;
            watch.Restart();
            for (int i = 1; i < decode; i++)
            {
                (logits, past) = decoder.Run(new long[,] { { decoded[i - 1] } }, Ones(prompt.Length + i), past);
                decoded[i] = ArgMax(logits.Buffer.Span);
            }
            return (prefill, watch.Elapsed.TotalSeconds, decoded);
        }, prompt.Length, decode);
    }

    /// <summary>
    /// The prefill yields the first token; the decode rate counts the <paramref name="decode"/> − 1 forward passes
    /// after it, each one token on the cache.
    /// </summary>
    private static OnnxBenchmarkRow Measure(string runtime, long fileBytes, int rounds, Func<(double Prefill, double Decode, int[] Tokens)> round, int promptTokens, int decode)
    {
        var tokens = round().Tokens; // warm-up: first-call compilation, allocations and caches
        double prefill = 0, decoding = 0;
        for (int r = 1; r < rounds; r++)
        {
            var (p, d, _) = round();
            (prefill, decoding) = (prefill + p, decoding + d);
        }
        int timed = rounds - 1;
        return new OnnxBenchmarkRow(runtime, fileBytes, promptTokens * timed / prefill, (decode - 1) * timed / decoding, tokens);
    }

    private static long[,] Ones(int length)
    {
        var mask = new long[1, length];
        for (int t = 0; t < length; t++) mask[0, t] = 1;
        return mask;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
