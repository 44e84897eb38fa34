using SharpLM.Core;
using SharpLM.Evaluation.Running;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Evaluation.Engine;

/// <summary>
/// The C# engine as an evaluation model. Log-likelihood requests keep the session's cache across calls, so the
/// choices of one multiple-choice question (same context, different continuations) reuse the context's keys and
/// values and compute only from the last context token on; generation goes through the generation core.
/// </summary>
public sealed class EngineEvaluationModel : IEvaluationModel
{
    private readonly IDecoderSession _session;
    private readonly BpeTokenizer _tokenizer;
    private readonly List<int> _cached = [];
    private readonly bool _reuseCache;
    private float[] _logits = [];

    /// <param name="reuseCache">Keep the cache across requests (the default); false recomputes every request from its
    /// first token, which only a benchmark of the reuse wants.</param>
    public EngineEvaluationModel(IDecoderSession session, BpeTokenizer tokenizer, string name, bool reuseCache = true)
    {
        _session = session;
        _tokenizer = tokenizer;
        Name = name;
        _reuseCache = reuseCache;
    }

    public string Name { get; }

    /// <summary>Tokens computed so far (for benchmarks of the cache reuse).</summary>
    public long TokensComputed { get; private set; }

    public LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request)
    {
        var (context, continuation) = EncodePair(request.Context, request.Continuation);
        return Score(context, continuation);
    }

    /// <summary>
    /// lm-eval's <c>_encode_pair</c>: trailing whitespace of the context moves onto the continuation, the
    /// continuation's tokens are those the whole text has beyond the context's, and an empty context becomes
    /// end-of-text.
    /// </summary>
    public (List<int> Context, List<int> Continuation) EncodePair(string context, string continuation)
    {
        if (context.Length == 0) return ([StartToken()], _tokenizer.Encode(continuation));
        int spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        var whole = _tokenizer.Encode(context + continuation);
        var contextTokens = _tokenizer.Encode(context);
        if (contextTokens.Count == 0) return ([StartToken()], whole);
        return (contextTokens, whole.GetRange(contextTokens.Count, whole.Count - contextTokens.Count));
    }

    /// <summary>
    /// lm-eval's rolling windows: the first window predicts the first tokens after end-of-text, each later one
    /// predicts the next tokens with as much preceding text as the context holds; the log-likelihoods add up.
    /// </summary>
    public double LoglikelihoodRolling(string text)
    {
        var tokens = _tokenizer.Encode(text);
        return Scoring.RollingWindows.Split(tokens, _session.MaxPositions, StartToken()).Sum(w => Score(w.Context, w.Continuation).LogLikelihood);
    }

    public string Generate(GenerationRequest request)
    {
        var prompt = _tokenizer.Encode(request.Context);
        int keep = Math.Max(1, _session.MaxPositions - request.MaxTokens);
        if (prompt.Count > keep) prompt = prompt.GetRange(prompt.Count - keep, keep); // lm-eval keeps the end of the prompt
        var options = new SamplingOptions
        {
            Temperature = request.DoSample ? request.Temperature : 0,
            MaxNewTokens = request.MaxTokens,
            StopSequences = request.Until,
            StopAtEndOfText = true,
        };
        _cached.Clear(); // the generation source manages the session from here
        var result = TextGenerator.Generate(new SessionLogitsSource(_session), _tokenizer, prompt, options);
        string text = result.Text;
        foreach (string stop in request.Until)
        {
            int at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        return text;
    }

    private int StartToken() => _tokenizer.EndOfTextId
        ?? throw new SharpLMException("this tokenizer has no end-of-text token, which scoring a text from its start needs.");

    private LoglikelihoodResult Score(List<int> context, List<int> continuation)
    {
        var input = new List<int>(context);
        input.AddRange(continuation);
        input.RemoveAt(input.Count - 1);
        return Feed(input, continuation);
    }

    /// <summary>
    /// Feeds <paramref name="input"/> (the context and all but the last continuation token, cut to the model's
    /// length from the left) and sums the log-softmax of each continuation token at the position before it.
    /// </summary>
    private LoglikelihoodResult Feed(List<int> input, List<int> continuation)
    {
        if (continuation.Count == 0) return new LoglikelihoodResult(0, true);
        if (input.Count > _session.MaxPositions) input = input.GetRange(input.Count - _session.MaxPositions, _session.MaxPositions);
        int first = input.Count - continuation.Count;
        if (first < 0) throw new SharpLMException($"a continuation of {continuation.Count} tokens does not fit the model's context of {_session.MaxPositions}.");
        int common = 0;
        while (_reuseCache && common < _cached.Count && common < input.Count && _cached[common] == input[common]) common++;
        int start = Math.Min(common, first);
        _session.Truncate(start);
        _cached.RemoveRange(start, _cached.Count - start);
        int count = input.Count - start;
        int vocabulary = _session.VocabularySize;
        if (_logits.Length < count * vocabulary) _logits = new float[count * vocabulary];
        _session.Forward(input.ToArray().AsSpan(start, count), _logits.AsSpan(0, count * vocabulary));
        _cached.AddRange(input.GetRange(start, count));
        TokensComputed += count;
        double sum = 0;
        bool greedy = true;
        for (int i = 0; i < continuation.Count; i++)
        {
            var row = _logits.AsSpan((first - start + i) * vocabulary, vocabulary);
            sum += LogSoftmax(row, continuation[i], out bool isMax);
            greedy &= isMax;
        }
        return new LoglikelihoodResult(sum, greedy);
    }

    private static double LogSoftmax(ReadOnlySpan<float> logits, int token, out bool isMax)
    {
        float max = float.NegativeInfinity;
        int argmax = 0;
        for (int i = 0; i < logits.Length; i++)
            if (logits[i] > max)
            {
                max = logits[i];
                argmax = i;
            }
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        isMax = argmax == token;
        return logits[token] - max - Math.Log(sum);
    }
}
