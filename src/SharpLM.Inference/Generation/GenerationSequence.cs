using SharpLM.Core;
using SharpLM.Inference.Constraints;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// One sequence being generated, and the one place the rules of generation live: every decoding path (plain
/// sampling, speculative rounds, batch steps, chat) feeds its tokens through here, so they all stop, stream and
/// report alike for the same options and seed.
/// <list type="bullet">
/// <item>the context: the prompt (an empty prompt starts a new document with end-of-text) and the tokens so far;</item>
/// <item>choosing a token: the constraint's mask, then the seeded <see cref="TokenSampler"/> (penalties see the whole context);</item>
/// <item>one stop policy: end-of-text (unless disabled; always under a constraint) and the caller's stop tokens end
/// generation before the token; a stop string ends it with the text cut where the string starts; the token budget,
/// the model's context and a completed constraint end it after the token;</item>
/// <item>text: decoded incrementally (<see cref="IncrementalDetokenizer"/>); stop strings are searched only where
/// the new characters could complete one; streamed text holds back a tail that could still become a stop string;</item>
/// <item>log-probabilities of each kept token, from the model's raw logits.</item>
/// </list>
/// </summary>
public sealed class GenerationSequence
{
    private readonly BpeTokenizer _tokenizer;
    private readonly SamplingOptions _options;
    private readonly TokenSampler _sampler;
    private readonly ITokenConstraint? _constraint;
    private readonly IReadOnlySet<int>? _stopTokens;
    private readonly Action<string>? _onText;
    private readonly IncrementalDetokenizer _detokenizer;
    private readonly List<int> _context;
    private readonly List<TokenLogProbabilities>? _logProbabilities;
    private readonly int _maxContext, _longestStop;
    private float[]? _masked;
    private int _emitted;      // characters of the text already streamed
    private int? _cut;         // where a stop string starts in the text

    /// <param name="maxContext">The model's context length: generation ends when the context fills it.</param>
    /// <param name="stopTokens">Tokens that end generation without being kept (a chat's end-of-turn), besides end-of-text.</param>
    /// <param name="constraint">Keeps the output inside a language (JSON Schema, regex); generation ends once it is complete.</param>
    /// <param name="onText">Receives the text as it becomes final.</param>
    public GenerationSequence(BpeTokenizer tokenizer, IReadOnlyList<int> prompt, SamplingOptions options, int maxContext,
        IReadOnlySet<int>? stopTokens = null, ITokenConstraint? constraint = null, Action<string>? onText = null)
    {
        options.Validate();
        _tokenizer = tokenizer;
        _options = options;
        _sampler = new TokenSampler(options);
        _constraint = constraint;
        _stopTokens = stopTokens;
        _onText = onText;
        _detokenizer = new IncrementalDetokenizer(tokenizer);
        _maxContext = maxContext;
        _longestStop = options.StopSequences.Count == 0 ? 0 : options.StopSequences.Max(s => s.Length);
        _context = PrepareContext(tokenizer, prompt, maxContext);
        PromptLength = _context.Count;
        _logProbabilities = options.LogProbabilities is null ? null : new List<TokenLogProbabilities>();
        CheckEnd();
    }

    /// <summary>
    /// The prompt as generation starts from it: an empty prompt becomes end-of-text (the start of a new document);
    /// a prompt longer than the context is refused before anything is generated or printed.
    /// </summary>
    public static List<int> PrepareContext(BpeTokenizer tokenizer, IReadOnlyList<int> prompt, int maxContext)
    {
        var context = new List<int>(prompt);
        if (context.Count == 0 && tokenizer.EndOfTextId is int start) context.Add(start);
        if (context.Count == 0)
            throw new SharpLMException("there is no token to continue from: give a prompt (this tokenizer has no end-of-text token to start a document with).");
        if (context.Count > maxContext)
            throw new SharpLMException($"the prompt is {context.Count} tokens, longer than the model's context of {maxContext}.");
        return context;
    }

    /// <summary>The prompt and every kept token.</summary>
    public IReadOnlyList<int> Context => _context;
    public int PromptLength { get; }
    public int Generated => _context.Count - PromptLength;
    public FinishReason? Finish { get; private set; }
    public bool IsFinished => Finish is not null;

    /// <summary>How many more tokens may be kept: the budget's and the context's limit.</summary>
    public int Remaining => Math.Max(0, Math.Min(_options.MaxNewTokens - Generated, _maxContext - _context.Count));

    public SamplingOptions Options => _options;

    /// <summary>Log-probabilities of the kept tokens so far, when the options ask for them.</summary>
    public IReadOnlyList<TokenLogProbabilities>? LogProbabilities => _logProbabilities;

    /// <summary>Draws the next token from the model's logits after <see cref="Context"/> (masked by the constraint, if any). Does not keep it.</summary>
    public int Choose(ReadOnlySpan<float> modelLogits)
    {
        var logits = _constraint is null ? modelLogits : _masked = ConstraintMask.Apply(_constraint, modelLogits, _masked);
        return _sampler.Next(logits, _context);
    }

    /// <summary>Chooses and accepts a token: one step of plain sampling. Returns whether generation goes on.</summary>
    public bool Step(ReadOnlySpan<float> modelLogits) => Accept(Choose(modelLogits), modelLogits);

    /// <summary>Accepts a token drawn elsewhere, with log-probabilities computed from <paramref name="modelLogits"/> when asked for.</summary>
    public bool Accept(int token, ReadOnlySpan<float> modelLogits) =>
        Accept(token, _logProbabilities is null || StopsBefore(token) ? null : TokenLogProbabilities.Compute(modelLogits, token, _options.LogProbabilities!.Value));

    /// <summary>
    /// Applies the stop policy to <paramref name="token"/> (drawn by <see cref="Choose"/> or by a speculative round,
    /// whose log-probabilities come with it) and keeps it unless it is a stop token. Returns whether generation goes on.
    /// </summary>
    public bool Accept(int token, TokenLogProbabilities? logProbabilities)
    {
        if (IsFinished) throw new InvalidOperationException("the sequence has finished.");
        if (StopsBefore(token))
        {
            Finish = FinishReason.Stop;
            return false;
        }
        if (_logProbabilities is not null)
            _logProbabilities.Add(logProbabilities ?? throw new ArgumentNullException(nameof(logProbabilities), "log-probabilities were asked for."));
        _constraint?.Advance(token);
        _context.Add(token);
        int added = _detokenizer.Append(token);
        if (FindStop(added) is int cut)
        {
            _cut = cut;
            Finish = FinishReason.Stop;
        }
        else CheckEnd();
        Stream();
        return !IsFinished;
    }

    /// <summary>The finished generation (or what there is so far, if asked early): text, tokens, why it ended.</summary>
    public GenerationResult Result()
    {
        if (IsFinished && _cut is null && _detokenizer.Flush() > 0) Stream();
        string text = _detokenizer.Text.ToString(0, _cut ?? _detokenizer.Text.Length);
        return new GenerationResult(text, _context.Skip(PromptLength).ToList(), Finish ?? FinishReason.Length, _logProbabilities?.ToList());
    }

    private bool StopsBefore(int token) =>
        ((_options.StopAtEndOfText || _constraint is not null) && token == _tokenizer.EndOfTextId) || _stopTokens?.Contains(token) == true;

    /// <summary>A completed constraint ends generation (a stop); otherwise the budget or the context (a length limit).</summary>
    private void CheckEnd()
    {
        if (_constraint is { IsComplete: true, CanContinue: false }) Finish = FinishReason.Stop;
        else if (Remaining == 0) Finish = FinishReason.Length;
    }

    /// <summary>The first stop string that the last <paramref name="added"/> characters complete, by where it starts.</summary>
    private int? FindStop(int added)
    {
        if (_longestStop == 0 || added == 0) return null;
        var text = _detokenizer.Text;
        int from = Math.Max(0, text.Length - added - (_longestStop - 1));
        string tail = text.ToString(from, text.Length - from);
        int? first = null;
        foreach (string stop in _options.StopSequences)
        {
            int index = tail.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (first is null || index < first)) first = index;
        }
        return first is null ? null : from + first;
    }

    /// <summary>Streams the text that is final: all of it once finished, else all but a tail that could still grow into a stop string.</summary>
    private void Stream()
    {
        if (_onText is null) return;
        var text = _detokenizer.Text;
        int safe = _cut ?? (IsFinished ? text.Length : text.Length - HeldBack(text));
        if (safe <= _emitted) return;
        _onText(text.ToString(_emitted, safe - _emitted));
        _emitted = safe;
    }

    /// <summary>How many trailing characters are a proper prefix of some stop string.</summary>
    private int HeldBack(System.Text.StringBuilder text)
    {
        if (_longestStop <= 1) return 0;
        int from = Math.Max(0, text.Length - (_longestStop - 1));
        string tail = text.ToString(from, text.Length - from);
        int held = 0;
        foreach (string stop in _options.StopSequences)
            for (int length = Math.Min(stop.Length - 1, tail.Length); length > held; length--)
                if (tail.AsSpan(tail.Length - length).SequenceEqual(stop.AsSpan(0, length))) { held = length; break; }
        return held;
    }
}
