using SharpLM.Core;

namespace SharpLM.Evaluation.Pairwise;

/// <summary>One model's line: Bradley–Terry rating (Elo scale, mean 1000) with its bootstrap 95% interval, online Elo, games and score.</summary>
public sealed record ModelRating(string Model, double Rating, double Lower, double Upper, double OnlineElo, int Games, double Score);

/// <summary>
/// The numbers a pairwise JSONL gives: per-pair win rates with Wilson intervals, Bradley–Terry ratings with
/// percentile bootstrap intervals (judgements resampled with replacement under <see cref="Seed"/>) and online Elo.
/// When the maximum-likelihood fit does not exist (a model never won or never lost against the rest), one virtual
/// tie is added to every pair that met: for the point estimate (then for every resample as well, and
/// <see cref="Smoothed"/> says so) or, otherwise, only for the resamples that need it (counted in <see cref="SmoothedResamples"/>).
/// </summary>
public sealed record PairwiseRatings(IReadOnlyList<ModelRating> Models, IReadOnlyList<WinRate> Pairs, int Judgements,
    int BootstrapIterations, int Seed, bool Smoothed, int SmoothedResamples)
{
    public const int DefaultBootstrap = 1000, DefaultSeed = 1234;

    /// <param name="source">The file the judgements came from, for messages.</param>
    public static PairwiseRatings Compute(IReadOnlyList<PairwiseJudgement> judgements, string source, int bootstrapIterations = DefaultBootstrap, int seed = DefaultSeed)
    {
        if (bootstrapIterations < 0) throw new ArgumentOutOfRangeException(nameof(bootstrapIterations));
        var models = judgements.SelectMany(j => new[] { j.A, j.B }).Distinct().Order(StringComparer.Ordinal).ToList();
        var counts = PairCounts.From(judgements, models);
        if (!counts.Connected())
        {
            string apart = models.First(m => !Linked(judgements, models[0], m));
            throw new SharpLMException($"{source}: models '{models[0]}' and '{apart}' are never compared, directly or through other models, so they share no rating scale.");
        }
        bool smoothed = !counts.MaximumLikelihoodExists();
        var point = BradleyTerry.Ratings(smoothed ? counts.WithVirtualTies(counts, 1) : counts);

        var random = new Random(seed);
        var samples = models.Select(_ => new double[bootstrapIterations]).ToArray();
        int smoothedResamples = 0;
        var draw = new int[judgements.Count];
        for (int b = 0; b < bootstrapIterations; b++)
        {
            for (int k = 0; k < draw.Length; k++) draw[k] = random.Next(judgements.Count);
            var resample = PairCounts.From(judgements, models, draw);
            if (smoothed || !resample.MaximumLikelihoodExists())
            {
                resample = resample.WithVirtualTies(counts, 1);
                if (!smoothed) smoothedResamples++;
            }
            var ratings = BradleyTerry.Ratings(resample);
            for (int i = 0; i < models.Count; i++) samples[i][b] = ratings[i];
        }

        var elo = OnlineElo.Ratings(judgements);
        var rows = models.Select((m, i) =>
        {
            double games = 0, score = 0;
            for (int j = 0; j < models.Count; j++) { games += counts.Games[i, j]; score += counts.Score[i, j]; }
            Array.Sort(samples[i]);
            double lower = bootstrapIterations > 0 ? Percentile(samples[i], 0.025) : double.NaN, upper = bootstrapIterations > 0 ? Percentile(samples[i], 0.975) : double.NaN;
            return new ModelRating(m, point[i], lower, upper, elo[m], (int)games, score);
        }).OrderByDescending(r => r.Rating).ThenBy(r => r.Model, StringComparer.Ordinal).ToList();
        return new PairwiseRatings(rows, WinRate.PerPair(judgements), judgements.Count, bootstrapIterations, seed, smoothed, smoothedResamples);
    }

    /// <summary>The q-quantile of sorted values, interpolating linearly between order statistics.</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    private static bool Linked(IReadOnlyList<PairwiseJudgement> judgements, string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var m))
            foreach (var j in judgements)
            {
                string? other = j.A == m ? j.B : j.B == m ? j.A : null;
                if (other is not null && seen.Add(other)) queue.Enqueue(other);
            }
        return seen.Contains(to);
    }
}
