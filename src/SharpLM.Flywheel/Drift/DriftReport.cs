namespace SharpLM.Flywheel.Drift;

/// <summary>One topic's share of the training texts and of the prompts, and the change.</summary>
public sealed record TopicShare(string Topic, int TrainingCount, int PromptCount, double TrainingShare, double PromptShare)
{
    public double Growth => PromptShare - TrainingShare;
}

/// <summary>One length bin's label and counts on both sides.</summary>
public sealed record LengthBin(string Label, int TrainingCount, int PromptCount);

/// <summary>A word that appears in a larger share of prompts than of training texts.</summary>
public sealed record EmergingTerm(string Term, double TrainingShare, double PromptShare);

/// <summary>
/// How today's prompts differ from the training data: prompt length in words (summary, histogram, two-sample KS
/// statistic with its asymptotic p-value, PSI over the training deciles) and keyword topics (shares and the topics
/// that grew by at least <see cref="FlagGrowth"/>), plus the terms most over-represented in prompts.
/// </summary>
public sealed record DriftReport(int TrainingTexts, int Prompts, double TrainingMeanWords, double PromptMeanWords, double KolmogorovSmirnov, double KolmogorovSmirnovPValue,
    double PopulationStability, IReadOnlyList<LengthBin> Lengths, IReadOnlyList<TopicShare> Topics, IReadOnlyList<TopicShare> Grown, IReadOnlyList<EmergingTerm> Emerging)
{
    public const int DefaultTopics = 12, EmergingCount = 10;
    public const double FlagGrowth = 0.05;

    public static DriftReport Compute(IReadOnlyList<string> training, IReadOnlyList<string> prompts, int topicCount = DefaultTopics)
    {
        var trainingLengths = training.Select(t => (double)Words.Count(t)).ToList();
        var promptLengths = prompts.Select(t => (double)Words.Count(t)).ToList();
        var bins = LengthBins.FromDeciles(trainingLengths);
        int[] trainingBins = bins.Counts(trainingLengths), promptBins = bins.Counts(promptLengths);
        double ks = DistributionShift.KolmogorovSmirnov(trainingLengths, promptLengths);

        var model = KeywordTopics.Learn(training, topicCount);
        var trainingTopics = training.Select(model.Assign).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var promptTopics = prompts.Select(model.Assign).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var topics = model.Keywords.Append(KeywordTopics.Other).Select(t => new TopicShare(t, trainingTopics.GetValueOrDefault(t), promptTopics.GetValueOrDefault(t),
            (double)trainingTopics.GetValueOrDefault(t) / training.Count, (double)promptTopics.GetValueOrDefault(t) / prompts.Count)).ToList();
        var grown = topics.Where(t => t.Growth >= FlagGrowth - 1e-12).OrderByDescending(t => t.Growth).ThenBy(t => t.Topic, StringComparer.Ordinal).ToList();

        return new DriftReport(training.Count, prompts.Count, trainingLengths.Average(), promptLengths.Average(), ks,
            DistributionShift.KolmogorovSmirnovPValue(ks, training.Count, prompts.Count), DistributionShift.PopulationStability(trainingBins, promptBins),
            Enumerable.Range(0, bins.Count).Select(b => new LengthBin(bins.Label(b), trainingBins[b], promptBins[b])).ToList(), topics, grown, EmergingTerms(training, prompts));
    }

    /// <summary>Terms in at least two prompts, ranked by how much larger their share of prompts is than their share of training texts.</summary>
    private static List<EmergingTerm> EmergingTerms(IReadOnlyList<string> training, IReadOnlyList<string> prompts)
    {
        static Dictionary<string, int> DocumentFrequency(IReadOnlyList<string> texts)
        {
            var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string text in texts)
                foreach (string w in Words.Of(text).Where(KeywordTopics.IsTerm).Distinct()) frequency[w] = frequency.GetValueOrDefault(w) + 1;
            return frequency;
        }
        var before = DocumentFrequency(training);
        return DocumentFrequency(prompts).Where(p => p.Value >= 2)
            .Select(p => new EmergingTerm(p.Key, (double)before.GetValueOrDefault(p.Key) / training.Count, (double)p.Value / prompts.Count))
            .Where(t => t.PromptShare > t.TrainingShare)
            .OrderByDescending(t => t.PromptShare - t.TrainingShare).ThenBy(t => t.Term, StringComparer.Ordinal).Take(EmergingCount).ToList();
    }
}
