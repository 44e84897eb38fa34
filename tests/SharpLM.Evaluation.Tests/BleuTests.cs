using SharpLM.Evaluation.Metrics;

namespace SharpLM.Evaluation.Tests;

/// <summary>Expected values are sacreBLEU 2.x's own test cases (test_bleu.py, test_sentence_bleu.py).</summary>
public class BleuTests
{
    private static readonly string[] Hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    private static readonly string[][] References =
    [
        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ];

    [Theory]
    [InlineData("13a", BleuSmoothing.Exp, 48.530827)]
    [InlineData("none", BleuSmoothing.Exp, 49.1919566)]
    [InlineData("intl", BleuSmoothing.Exp, 43.91623493)]
    [InlineData("13a", BleuSmoothing.None, 48.530827)]
    public void CorpusBleuMatchesSacreBleu(string tokenize, BleuSmoothing smoothing, double expected)
    {
        var score = new Bleu(new BleuOptions { Tokenize = tokenize, Smoothing = smoothing }).Corpus(Hypotheses, References);
        Assert.Equal(expected, score.Score, 1e-6);
    }

    [Fact]
    public void EmptyHypothesesScoreZeroAndAreNotDropped()
    {
        var score = new Bleu().Corpus(["", "", ""], References);
        Assert.Equal(0.0, score.Score);
        Assert.Equal(0, score.SystemLength);
        Assert.True(score.ReferenceLength > 0);
    }

    [Fact]
    public void SignatureNamesTheSettings()
    {
        var score = new Bleu().Corpus(Hypotheses, References);
        Assert.Equal("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x", score.Signature);
    }

    [Fact]
    public void StatisticsCountClippedMatches()
    {
        var score = new Bleu(new BleuOptions { Tokenize = "none" })
            .Corpus(["am I am a character sequence"], [["I am a symbol string sequence a a"]]);
        Assert.Equal([4, 2, 1, 0], score.Counts);
        Assert.Equal([6, 5, 4, 3], score.Totals);
    }

    [Fact]
    public void ScoreFromStatistics()
    {
        double score = Bleu.Score([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, BleuSmoothing.Exp, 0, false, out _, out _);
        Assert.Equal(83.75922397, score, 1e-6);
    }

    [Theory]
    [InlineData(new[] { "this is a test", "another test" }, new[] { "ref1", "ref2" }, 0.0)]
    [InlineData(new[] { "this is a test" }, new[] { "this is a test" }, 1.0)]
    [InlineData(new[] { "this is a fest" }, new[] { "this is a test" }, 0.223606797749979)]
    [InlineData(new[] { "test" }, new[] { "a test" }, 0.3678794411714425)]
    [InlineData(new[] { "a test" }, new[] { "a test" }, 1.0)]
    [InlineData(new[] { "a little test" }, new[] { "a test" }, 0.03218297948685433)]
    public void RawCorpusBleuWithEffectiveOrder(string[] hypotheses, string[] references, double expected)
    {
        // sacreBLEU's raw_corpus_bleu: no tokenization, floor smoothing at 0.01, effective order.
        var bleu = new Bleu(new BleuOptions { Tokenize = "none", Smoothing = BleuSmoothing.Floor, SmoothValue = 0.01 });
        Assert.Equal(expected, bleu.Corpus(hypotheses, [references], effectiveOrder: true).Score / 100, 1e-8);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(null, 0.1555722182)]
    public void FloorSmoothingOffset(double? floor, double expected)
    {
        var bleu = new Bleu(new BleuOptions { Tokenize = "none", Smoothing = BleuSmoothing.Floor, SmoothValue = floor });
        var score = bleu.Corpus(["am I am a character sequence"], [["I am a symbol string sequence a a"]], effectiveOrder: true);
        Assert.Equal(expected, score.Score / 100, 1e-8);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 4, 4, 2, 1 }, 0, 1, 0.0)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 10, 11, 12, 0 }, 14, 10, 0.0)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 0, 0, 0.0)]
    [InlineData(new[] { 6, 5, 4, 0 }, new[] { 6, 5, 4, 3 }, 6, 6, 0.0)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 0, 0, 0.1)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 1, 5, 0.01)]
    public void DegenerateStatisticsScoreZero(int[] counts, int[] totals, int systemLength, int referenceLength, double floor)
    {
        double score = Bleu.Score(counts, totals, systemLength, referenceLength, BleuSmoothing.Floor, floor, false, out _, out _);
        Assert.Equal(0.0, score);
    }

    private const string SentenceReference = "producţia de zahăr brut se exprimă în zahăr alb;";
    private const string SentenceHypothesis = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

    [Theory]
    [InlineData(BleuSmoothing.Exp, null, false, "13a", 8.493)]
    [InlineData(BleuSmoothing.None, null, false, "13a", 0.0)]
    [InlineData(BleuSmoothing.Floor, null, false, "13a", 4.51688)]
    [InlineData(BleuSmoothing.Floor, 0.1, false, "13a", 4.51688)]
    [InlineData(BleuSmoothing.Floor, 0.5, false, "13a", 10.10)]
    [InlineData(BleuSmoothing.AddK, null, false, "13a", 14.882)]
    [InlineData(BleuSmoothing.AddK, 1.0, false, "13a", 14.882)]
    [InlineData(BleuSmoothing.AddK, 2.0, false, "13a", 21.389)]
    [InlineData(BleuSmoothing.Exp, null, false, "none", 7.347)]
    [InlineData(BleuSmoothing.Exp, null, false, "intl", 8.493)]
    [InlineData(BleuSmoothing.Exp, null, false, "char", 40.8759)]
    [InlineData(BleuSmoothing.Exp, null, true, "char", 42.0267)]
    public void SentenceBleuMatchesSacreBleu(BleuSmoothing smoothing, double? value, bool lowercase, string tokenize, double expected)
    {
        var bleu = new Bleu(new BleuOptions { Smoothing = smoothing, SmoothValue = value, Lowercase = lowercase, Tokenize = tokenize });
        Assert.Equal(expected, bleu.Sentence(SentenceHypothesis, [SentenceReference]).Score, 1e-3);
    }

    [Theory]
    [InlineData(BleuSmoothing.Exp, null)]
    [InlineData(BleuSmoothing.None, null)]
    [InlineData(BleuSmoothing.Floor, 0.1)]
    [InlineData(BleuSmoothing.AddK, 1.0)]
    public void SentenceWithoutUnigramMatchesIsZero(BleuSmoothing smoothing, double? value)
    {
        var bleu = new Bleu(new BleuOptions { Smoothing = smoothing, SmoothValue = value });
        Assert.Equal(0.0, bleu.Sentence("this is a cat", ["okay thanks"]).Score);
    }

    [Theory]
    [InlineData("Hello, world.", "Hello , world .")]
    [InlineData("It costs $3.50, doesn't it?", "It costs $ 3.50 , doesn't it ?")]
    [InlineData("1990-2000 &amp; beyond", "1990 - 2000 & beyond")]
    public void Tokenizer13a(string input, string expected) => Assert.Equal(expected, BleuTokenizer.Tokenize13a(input));
}
