using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpLM.Inference.Generation;

namespace SharpLM.Onnx;

/// <summary>
/// Runs an exported graph with ONNX Runtime the way ONNX Runtime GenAI and transformers.js do: each call feeds the
/// new tokens with the presents of the previous call as the past (empty at first), the mask over every position so
/// far and the positions counted over that mask.
/// </summary>
public sealed class OnnxDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _pastNames;
    private readonly Dictionary<string, int[]> _pastShapes;

    /// <param name="threads">ONNX Runtime's threads within an operator; 0 leaves its default (one per core).</param>
    public OnnxDecoder(string onnx, int threads = 0)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = threads == 0 ? 0 : 1 };
        _session = new InferenceSession(onnx, options);
        _pastNames = _session.InputMetadata.Keys.Where(n => n.StartsWith("past_key_values.", StringComparison.Ordinal)).ToArray();
        _pastShapes = _pastNames.ToDictionary(n => n, n => _session.InputMetadata[n].Dimensions);
    }

    /// <summary>The graph's past/present tensors by past name: [batch, kv_heads, past_sequence, head_dim].</summary>
    public Dictionary<string, DenseTensor<float>> EmptyPast(int batch) => _pastNames.ToDictionary(n => n,
        n => new DenseTensor<float>(Array.Empty<float>(), [batch, _pastShapes[n][1], 0, _pastShapes[n][3]]));

    /// <summary>One call: returns the logits [batch, sequence, vocab] and the presents, keyed by the past names they feed next.</summary>
    public (DenseTensor<float> Logits, Dictionary<string, DenseTensor<float>> Present) Run(long[,] ids, long[,] mask, Dictionary<string, DenseTensor<float>> past)
    {
        int batch = ids.GetLength(0), length = ids.GetLength(1), total = mask.GetLength(1);
        var positions = new long[batch * length];
        for (int b = 0; b < batch; b++)
        {
            long seen = 0;
            for (int t = 0; t < total; t++)
            {
                seen += mask[b, t];
                if (t >= total - length) positions[b * length + t - (total - length)] = Math.Max(seen - 1, 0);
            }
        }
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(OnnxExport.InputIds, new DenseTensor<long>(ids.Cast<long>().ToArray(), [batch, length])),
            NamedOnnxValue.CreateFromTensor(OnnxExport.AttentionMask, new DenseTensor<long>(mask.Cast<long>().ToArray(), [batch, total])),
            NamedOnnxValue.CreateFromTensor(OnnxExport.PositionIds, new DenseTensor<long>(positions, [batch, length])),
        };
        inputs.AddRange(past.Select(p => NamedOnnxValue.CreateFromTensor(p.Key, p.Value)));
        using var results = _session.Run(inputs);
        var logits = (DenseTensor<float>)results.Single(r => r.Name == OnnxExport.Logits).AsTensor<float>().Clone();
        var present = results.Where(r => r.Name.StartsWith("present.", StringComparison.Ordinal))
            .ToDictionary(r => "past_key_values." + r.Name["present.".Length..], r => (DenseTensor<float>)r.AsTensor<float>().Clone());
        return (logits, present);
    }

    public void Dispose() => _session.Dispose();

    /// <summary>A generation loop's model: the whole prompt as one prefill, then one token per call with the cache.</summary>
    public sealed class LogitsSource(OnnxDecoder decoder, int maxContext) : ILogitsSource
    {
        private Dictionary<string, DenseTensor<float>> _past = decoder.EmptyPast(1);
        private int _cached;

        public int MaxContext => maxContext;

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            int count = context.Count - _cached;
            var ids = new long[1, count];
            for (int i = 0; i < count; i++) ids[0, i] = context[_cached + i];
            var mask = new long[1, context.Count];
            for (int i = 0; i < context.Count; i++) mask[0, i] = 1;
            var (logits, present) = decoder.Run(ids, mask, _past);
            (_past, _cached) = (present, context.Count);
            int vocab = logits.Dimensions[2];
            return logits.Buffer.Span.Slice((count - 1) * vocab, vocab);
        }
    }
}
