using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

/// <summary>
/// Generation with the TorchSharp model: each step runs the model over the whole context (no cache) and scores
/// the last position. The pure C# engine (SharpLM.Inference) is the fast path; this one serves every family
/// the trainer knows and is the reference the engine is checked against.
/// </summary>
public static class TorchGenerator
{
    public static string Generate(CausalLanguageModel model, BpeTokenizer tokenizer, string prompt, SamplingOptions options, Action<string>? onText = null)
    {
        SharpLM.Training.Native.TorchRuntime.EnsureLoaded();
        model.eval();
        return TextGenerator.Generate(new TorchLogitsSource(model), tokenizer, prompt, options, onText);
    }

    private sealed class TorchLogitsSource(CausalLanguageModel model) : ILogitsSource
    {
        private float[] _logits = [];

        public int MaxContext => model.Config.MaxPositionEmbeddings;

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var tokens = context.Select(t => (long)t).ToArray();
            var logits = model.forward(tensor(tokens, [1, tokens.Length]));
            _logits = logits[0, tokens.Length - 1].to_type(ScalarType.Float32).data<float>().ToArray();
            return _logits;
        }
    }
}
