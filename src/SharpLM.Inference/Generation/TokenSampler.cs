namespace SharpLM.Inference.Generation;

/// <summary>
/// Picks the next token from a logit vector under <see cref="SamplingOptions"/>. Work buffers are allocated on
/// the first call and reused, so sampling allocates nothing per token. Ties between equal logits go to the lower
/// token id, and draws come from a generator seeded by the options, so a seed reproduces a sample.
/// </summary>
public sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;
    private float[] _logits = [];
    private int[] _order = [];
    private double[] _weights = [];
    private readonly Dictionary<int, int> _counts = new();
    private readonly Comparison<int> _byLogitThenId;

    public TokenSampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = new Random(unchecked((int)options.Seed));
        _byLogitThenId = (a, b) => _logits[a] != _logits[b] ? _logits[b].CompareTo(_logits[a]) : a.CompareTo(b);
    }

    public int Next(ReadOnlySpan<float> logits) => Next(logits, []);

    public int Next(ReadOnlySpan<float> logits, IReadOnlyList<int> context)
    {
        int count = Filter(logits, context);
        if (count == 0) return ArgMax(_logits);
        double total = 0;
        for (int i = 0; i < count; i++) total += _weights[i];
        double draw = _random.NextDouble() * total;
        for (int i = 0; i < count; i++)
        {
            draw -= _weights[i];
            if (draw <= 0) return _order[i];
        }
        return _order[count - 1];
    }

    /// <summary>
    /// Writes the distribution <see cref="Next(ReadOnlySpan{float}, IReadOnlyList{int})"/> draws from into
    /// <paramref name="probabilities"/> (one entry per token, zero for tokens the filters drop, summing to 1):
    /// what speculative decoding needs to compare a draft model's distribution with the target's. Greedy
    /// decoding (temperature 0) is the distribution with all its mass on the arg-max. Does not advance the
    /// sampler's random generator.
    /// </summary>
    public void Probabilities(ReadOnlySpan<float> logits, IReadOnlyList<int> context, Span<double> probabilities)
    {
        if (probabilities.Length != logits.Length)
            throw new ArgumentException($"{logits.Length} logits need {logits.Length} probabilities; the buffer holds {probabilities.Length}.");
        int count = Filter(logits, context);
        probabilities.Clear();
        if (count == 0)
        {
            probabilities[ArgMax(_logits)] = 1;
            return;
        }
        double total = 0;
        for (int i = 0; i < count; i++) total += _weights[i];
        for (int i = 0; i < count; i++) probabilities[_order[i]] = _weights[i] / total;
    }

    /// <summary>
    /// Applies penalties, temperature and the top-k, top-p and min-p cuts: afterwards the kept candidates are
    /// _order[0..count) with unnormalised weights _weights[0..count). Returns 0 for greedy decoding, leaving
    /// only the penalised logits in _logits.
    /// </summary>
    private int Filter(ReadOnlySpan<float> logits, IReadOnlyList<int> context)
    {
        int vocabulary = logits.Length;
        if (_logits.Length != vocabulary)
        {
            _logits = new float[vocabulary];
            _order = new int[vocabulary];
            _weights = new double[vocabulary];
        }
        logits.CopyTo(_logits);
        ApplyPenalties(context);
        if (_options.Temperature == 0) return 0;

        // Candidates in descending logit order (ties: lower id first), cut to top-k.
        int count = SortCandidates(_options.TopK == 0 ? vocabulary : Math.Min(_options.TopK, vocabulary));
        double max = _logits[_order[0]], sum = 0;
        for (int i = 0; i < count; i++) sum += _weights[i] = Math.Exp((_logits[_order[i]] - max) / _options.Temperature);
        while (count > 1 && _weights[count - 1] == 0) count--; // masked (-inf) tokens can never be drawn, even by rounding

        if (_options.TopP < 1)
        {
            double cumulative = 0;
            for (int i = 0; i < count; i++)
            {
                cumulative += _weights[i] / sum;
                if (cumulative >= _options.TopP) { count = i + 1; break; }
            }
        }
        if (_options.MinP > 0)
        {
            double floor = _options.MinP * _weights[0]; // weights are relative to the most likely token
            while (count > 1 && _weights[count - 1] < floor) count--;
        }
        return count;
    }

    private void ApplyPenalties(IReadOnlyList<int> context)
    {
        if (context.Count == 0 || (_options.RepetitionPenalty == 1 && _options.FrequencyPenalty == 0 && _options.PresencePenalty == 0)) return;
        _counts.Clear();
        foreach (int token in context)
            if ((uint)token < (uint)_logits.Length) _counts[token] = _counts.GetValueOrDefault(token) + 1;
        foreach (var (token, occurrences) in _counts)
        {
            float logit = _logits[token];
            if (_options.RepetitionPenalty != 1)
                logit = logit > 0 ? (float)(logit / _options.RepetitionPenalty) : (float)(logit * _options.RepetitionPenalty);
            _logits[token] = (float)(logit - _options.FrequencyPenalty * occurrences - _options.PresencePenalty);
        }
    }

    /// <summary>Fills _order[0..k) with the k best tokens in descending order; returns k.</summary>
    private int SortCandidates(int k)
    {
        int vocabulary = _logits.Length;
        for (int i = 0; i < vocabulary; i++) _order[i] = i;
        if (k < vocabulary / 8)
        {
            // Partial selection: keep the k best seen so far with an insertion scan (k is small, such as 40).
            int filled = 0;
            for (int token = 0; token < vocabulary; token++)
            {
                float value = _logits[token];
                if (filled == k && !Better(value, token, _order[k - 1])) continue;
                int position = filled < k ? filled++ : k - 1;
                while (position > 0 && Better(value, token, _order[position - 1]))
                {
                    _order[position] = _order[position - 1];
                    position--;
                }
                _order[position] = token;
            }
            return k;
        }
        Array.Sort(_order, _byLogitThenId);
        return k;
    }

    private bool Better(float value, int token, int other) => value > _logits[other] || (value == _logits[other] && token < other);

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
