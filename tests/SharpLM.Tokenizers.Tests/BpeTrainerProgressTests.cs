using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Tests;

public class BpeTrainerProgressTests
{
    /// <summary>Records reports on the reporting thread, in order (unlike Progress&lt;T&gt;, which posts them).</summary>
    private sealed class Recorder : IProgress<BpeTrainingProgress>
    {
        public List<BpeTrainingProgress> Reports { get; } = [];
        public void Report(BpeTrainingProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public void Progress_ends_at_the_merges_learned_and_says_why_they_stopped()
    {
        var recorder = new Recorder();
        var tokenizer = BpeTrainer.Train(TestCorpus.Sentences(20), new BpeTrainerOptions { VocabularySize = 4096 }, recorder);
        var last = recorder.Reports[^1];
        Assert.Equal("merging", last.Phase);
        Assert.Equal(tokenizer.Merges.Count, last.Done);
        Assert.Equal(4096 - 256 - 4, last.Total);
        Assert.True(last.Done < last.Total);
        Assert.Contains("no pair of tokens occurs 2 or more times", last.StoppedEarly);
        Assert.All(recorder.Reports.Where(r => r.Phase == "merging"), r => Assert.True(r.Done <= tokenizer.Merges.Count));
    }

    [Fact]
    public void A_run_that_reaches_its_target_reports_no_early_stop()
    {
        var recorder = new Recorder();
        var tokenizer = BpeTrainer.Train(TestCorpus.Sentences(50), new BpeTrainerOptions { VocabularySize = 300 }, recorder);
        var last = recorder.Reports[^1];
        Assert.Equal((tokenizer.Merges.Count, 300 - 256 - 4), (last.Done, last.Total));
        Assert.Null(last.StoppedEarly);
    }

    [Fact]
    public void A_corpus_of_single_characters_stops_for_lack_of_pairs()
    {
        var recorder = new Recorder();
        BpeTrainer.Train(["a b c d"], new BpeTrainerOptions { VocabularySize = 300, MinPairFrequency = 1 }, recorder);
        var last = recorder.Reports[^1];
        Assert.True(last.Done < last.Total);
        Assert.NotNull(last.StoppedEarly);
    }
}
