using System.Diagnostics;
using SharpLM.Core;

namespace SharpLM.Inference.Generation;

/// <summary>
/// Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): a small draft model proposes k tokens one at
/// a time, the target model scores all of them in one multi-token pass, and a rejection rule keeps a prefix of
/// the draft so that every token still follows the target's distribution exactly.
///
/// Both models' logits go through the same <see cref="TokenSampler"/> transform (penalties over the context
/// including earlier draft tokens, then temperature, top-k, top-p, min-p), giving distributions q (draft) and
/// p (target) over the vocabulary. Draft token x is accepted with probability min(1, p(x)/q(x)); at the first
/// rejection the round ends with a token drawn from max(0, p − q) renormalised; if all k are accepted, one more
/// token is drawn from the target's distribution after them. The output is then distributed as plain sampling
/// from p would be (not the same draws for a seed: the random numbers are used differently). With temperature 0
/// both distributions put all their mass on the arg-max, so the output is the target's greedy output token for
/// token.
///
/// The decoder owns the two sessions' caches: it remembers what it fed each one and, like
/// <c>SessionLogitsSource</c>, keeps the longest prefix shared with the next context, so rejected draft
/// positions are rolled back with <see cref="IDecoderSession.Truncate"/> and a later call on a longer context
/// (the next chat turn) reuses the cache.
/// </summary>
public sealed class SpeculativeDecoder
{
    private readonly IDecoderSession _target, _draft;
    private readonly int _draftTokens, _vocabulary;
    private readonly TokenSampler _targetSampler, _draftSampler;
    private readonly Random _random;
    private readonly List<int> _targetFed = new(), _draftFed = new();
    private readonly float[] _targetLogits, _draftLogits; // [rows, vocabulary]: one row per token of a multi-token pass
    private readonly double[][] _draftProbabilities;      // q for each draft position of a round
    private readonly double[] _targetProbabilities, _residual;
    private readonly int[] _tokens;                        // tokens of one multi-token pass (catch-up or verification)
    private readonly int[] _drafted;
    private readonly List<int> _extended = new();          // the context plus the draft tokens so far, for penalties
    private int _rounds, _proposed, _accepted, _generated;
    private double _seconds;

    /// <param name="draftTokens">Tokens the draft proposes per round (k).</param>
    public SpeculativeDecoder(IDecoderSession target, IDecoderSession draft, SamplingOptions options, int draftTokens)
    {
        options.Validate();
        if (draftTokens < 1) throw new SharpLMException($"draft tokens must be at least 1 (got {draftTokens}).");
        if (draft.VocabularySize != target.VocabularySize)
            throw new SharpLMException($"the draft model's vocabulary ({draft.VocabularySize} tokens) differs from the target's ({target.VocabularySize}); both must share one tokenizer.");
        _target = target;
        _draft = draft;
        Options = options;
        _draftTokens = draftTokens;
        _vocabulary = target.VocabularySize;
        _targetSampler = new TokenSampler(options);
        _draftSampler = new TokenSampler(options);
        _random = new Random(unchecked((int)options.Seed));
        _targetLogits = new float[(draftTokens + 1) * _vocabulary];
        _draftLogits = new float[(draftTokens + 1) * _vocabulary];
        _draftProbabilities = Enumerable.Range(0, draftTokens).Select(_ => new double[_vocabulary]).ToArray();
        _targetProbabilities = new double[_vocabulary];
        _residual = new double[_vocabulary];
        _tokens = new int[draftTokens + 1];
        _drafted = new int[draftTokens];
    }

    public SamplingOptions Options { get; }

    /// <summary>The longest context: the target's.</summary>
    public int MaxContext => _target.MaxPositions;

    /// <summary>Running totals over every round this decoder has run.</summary>
    public SpeculativeStatistics Statistics => new(_rounds, _proposed, _accepted, _generated, _seconds);

    /// <summary>
    /// Generates up to <see cref="SamplingOptions.MaxNewTokens"/> tokens after <paramref name="promptIds"/>, stopping
    /// before a token of <paramref name="stopTokens"/> or at the target's context length.
    /// </summary>
    public SpeculativeResult Generate(IReadOnlyList<int> promptIds, IReadOnlySet<int>? stopTokens = null)
    {
        var before = Statistics;
        var context = new List<int>(promptIds);
        var logProbabilities = Options.LogProbabilities is null ? null : new List<TokenLogProbabilities>();
        var round = new List<int>();
        var roundLogProbabilities = logProbabilities is null ? null : new List<TokenLogProbabilities>();
        int generated = 0;
        while (generated < Options.MaxNewTokens && context.Count < MaxContext)
        {
            Round(context, Options.MaxNewTokens - generated, round, roundLogProbabilities);
            for (int i = 0; i < round.Count; i++)
            {
                if (stopTokens?.Contains(round[i]) == true)
                    return new SpeculativeResult(context.Skip(promptIds.Count).ToList(), FinishReason.Stop, Statistics.Since(before), logProbabilities);
                context.Add(round[i]);
                logProbabilities?.Add(roundLogProbabilities![i]);
                generated++;
            }
        }
        return new SpeculativeResult(context.Skip(promptIds.Count).ToList(), FinishReason.Length, Statistics.Since(before), logProbabilities);
    }

    /// <summary>
    /// One draft-and-verify round after <paramref name="context"/> (at least one token, shorter than
    /// <see cref="MaxContext"/>): replaces the contents of <paramref name="tokens"/> with 1 to k + 1 new tokens, at
    /// most <paramref name="maxTokens"/>, and <paramref name="logProbabilities"/> (when given) with one entry each.
    /// </summary>
    public void Round(IReadOnlyList<int> context, int maxTokens, List<int> tokens, List<TokenLogProbabilities>? logProbabilities = null)
    {
        int n = context.Count;
        if (n == 0) throw new SharpLMException("speculative decoding needs a prompt of at least one token.");
        if (n >= _target.MaxPositions) throw new SharpLMException($"the context of {n} tokens fills the target model's {_target.MaxPositions} positions.");
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), "a round makes at least one token.");
        var clock = Stopwatch.StartNew();
        tokens.Clear();
        logProbabilities?.Clear();

        // The target verifies positions n − 1 … n − 1 + k; the draft runs the context and all but its last proposal.
        int k = Math.Max(0, Math.Min(Math.Min(_draftTokens, maxTokens - 1), Math.Min(_target.MaxPositions - n, _draft.MaxPositions - n + 1)));
        if (k > 0) Draft(context, k);

        // The target's cache holds the context but its last token, which leads the verification pass.
        CatchUp(_target, _targetFed, context, n - 1, _targetLogits);
        _tokens[0] = context[n - 1];
        _drafted.AsSpan(0, k).CopyTo(_tokens.AsSpan(1));
        _target.Forward(_tokens.AsSpan(0, k + 1), _targetLogits.AsSpan(0, (k + 1) * _vocabulary));
        _targetFed.AddRange(_tokens.AsSpan(0, k + 1));

        _extended.Clear();
        _extended.AddRange(context);
        int accepted = 0;
        bool rejected = false;
        for (; accepted < k; accepted++)
        {
            var logits = Row(_targetLogits, accepted);
            _targetSampler.Probabilities(logits, _extended, _targetProbabilities);
            var q = _draftProbabilities[accepted];
            int x = _drafted[accepted];
            // Accept with probability min(1, p(x)/q(x)); q(x) > 0 because x was drawn from q.
            if (_random.NextDouble() * q[x] < _targetProbabilities[x])
            {
                Emit(x, logits, tokens, logProbabilities);
                _extended.Add(x);
                continue;
            }
            double total = 0;
            for (int i = 0; i < _vocabulary; i++) total += _residual[i] = Math.Max(0, _targetProbabilities[i] - q[i]);
            // p ≠ q wherever a rejection can happen, so the residual has mass; rounding could still leave none.
            Emit(total > 0 ? Draw(_residual, total) : Draw(_targetProbabilities, 1), logits, tokens, logProbabilities);
            rejected = true;
            break;
        }
        if (!rejected)
        {
            var logits = Row(_targetLogits, k);
            _targetSampler.Probabilities(logits, _extended, _targetProbabilities);
            Emit(Draw(_targetProbabilities, 1), logits, tokens, logProbabilities);
        }

        // Keep what the accepted tokens confirm: the context and the accepted draft tokens (the draft never ran its last proposal).
        Forget(_target, _targetFed, n + accepted);
        Forget(_draft, _draftFed, n + Math.Min(accepted, Math.Max(0, k - 1)));
        _rounds++;
        _proposed += k;
        _accepted += accepted;
        _generated += tokens.Count;
        _seconds += clock.Elapsed.TotalSeconds;
    }

    /// <summary>Samples k tokens from the draft after the context into _drafted, with their distributions.</summary>
    private void Draft(IReadOnlyList<int> context, int k)
    {
        int n = context.Count;
        // The draft must run at least the context's last token to produce the logits after it.
        int keep = SharedPrefix(_draftFed, context, n);
        if (keep == n) keep--;
        Forget(_draft, _draftFed, keep);
        var logits = CatchUp(_draft, _draftFed, context, n, _draftLogits);
        _extended.Clear();
        _extended.AddRange(context);
        for (int j = 0; j < k; j++)
        {
            if (j > 0)
            {
                logits = _draft.Forward(_drafted[j - 1]);
                _draftFed.Add(_drafted[j - 1]);
            }
            _draftSampler.Probabilities(logits, _extended, _draftProbabilities[j]);
            _drafted[j] = Draw(_draftProbabilities[j], 1);
            _extended.Add(_drafted[j]);
        }
    }

    /// <summary>
    /// Brings <paramref name="session"/> to hold context[0..end): keeps the prefix it shares with what it was fed
    /// and runs the rest in multi-token passes the size of <paramref name="buffer"/>. Returns the logits after
    /// the last token run (empty when none ran).
    /// </summary>
    private ReadOnlySpan<float> CatchUp(IDecoderSession session, List<int> fed, IReadOnlyList<int> context, int end, float[] buffer)
    {
        Forget(session, fed, SharedPrefix(fed, context, end));
        int rows = Math.Min(_tokens.Length, buffer.Length / _vocabulary), ran = 0;
        while (fed.Count < end)
        {
            ran = Math.Min(rows, end - fed.Count);
            for (int i = 0; i < ran; i++) _tokens[i] = context[fed.Count + i];
            session.Forward(_tokens.AsSpan(0, ran), buffer.AsSpan(0, ran * _vocabulary));
            fed.AddRange(_tokens.AsSpan(0, ran));
        }
        return ran == 0 ? [] : Row(buffer, ran - 1);
    }

    private static int SharedPrefix(List<int> fed, IReadOnlyList<int> context, int end)
    {
        int common = 0;
        while (common < fed.Count && common < end && fed[common] == context[common]) common++;
        return common;
    }

    private static void Forget(IDecoderSession session, List<int> fed, int length)
    {
        if (length >= fed.Count) return;
        session.Truncate(length);
        fed.RemoveRange(length, fed.Count - length);
    }

    private ReadOnlySpan<float> Row(float[] logits, int row) => logits.AsSpan(row * _vocabulary, _vocabulary);

    private void Emit(int token, ReadOnlySpan<float> logits, List<int> tokens, List<TokenLogProbabilities>? logProbabilities)
    {
        tokens.Add(token);
        logProbabilities?.Add(TokenLogProbabilities.Compute(logits, token, Options.LogProbabilities ?? 0));
    }

    /// <summary>A token drawn from weights summing to <paramref name="total"/>.</summary>
    private int Draw(double[] weights, double total)
    {
        double draw = _random.NextDouble() * total;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0) continue;
            last = i;
            draw -= weights[i];
            if (draw < 0) return i;
        }
        return last; // rounding left a sliver of the draw: the last token with weight
    }
}
