using SharpLM.Evaluation.Metrics;

namespace SharpLM.Evaluation.Tests;

/// <summary>Expected values are sacreBLEU 2.x's own test cases (test_chrf.py).</summary>
public class ChrFTests
{
    public static TheoryData<string[], string[], double> EpsilonCases => new()
    {
        { ["abcdefg"], ["hijklmnop"], 0.0 },
        { ["a"], ["b"], 0.0 },
        { [""], ["b"], 0.0 },
        { [""], ["ref"], 0.0 },
        { [""], ["reference"], 0.0 },
        { ["aa"], ["ab"], 8.3333 },
        { ["a", "b"], ["a", "c"], 8.3333 },
        { ["a"], ["a"], 16.6667 },
        { ["a b c"], ["a b c"], 50.0 },
        { ["a b c"], ["abc"], 50.0 },
        { [" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."],
          ["risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."], 63.361730 },
        { [" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
          ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."], 64.1302698 },
        { ["Niemand hat die Absicht, eine Mauer zu errichten"], ["Niemand hat die Absicht, eine Mauer zu errichten"], 100.0 },
    };

    [Theory]
    [MemberData(nameof(EpsilonCases))]
    public void EpsilonSmoothingMatchesSacreBleu(string[] hypotheses, string[] references, double expected)
    {
        var chrf = new ChrF(new ChrFOptions { Beta = 3, EpsilonSmoothing = true });
        Assert.Equal(expected, chrf.Corpus(hypotheses, [references]).Score, 1e-4);
    }

    public static TheoryData<string[], string[], double> EffectiveOrderCases => new()
    {
        { ["a"], ["a"], 100.0 },
        { [""], ["reference"], 0.0 },
        { ["a b c"], ["a b c"], 100.0 },
        { ["a b c"], ["abc"], 100.0 },
        { [""], ["c"], 0.0 },
        { ["a", "b"], ["a", "c"], 50.0 },
        { ["aa"], ["ab"], 25.0 },
    };

    [Theory]
    [MemberData(nameof(EffectiveOrderCases))]
    public void EffectiveOrderMatchesSacreBleu(string[] hypotheses, string[] references, double expected)
    {
        var chrf = new ChrF(new ChrFOptions { Beta = 3 });
        Assert.Equal(expected, chrf.Corpus(hypotheses, [references]).Score, 1e-4);
    }

    [Theory]
    [InlineData("Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.",
        "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.", 67.3481606)]
    [InlineData("risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
        "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .", 65.2414427)]
    public void KeepingWhitespaceMatchesSacreBleu(string hypothesis, string reference, double expected)
    {
        var chrf = new ChrF(new ChrFOptions { Beta = 3, KeepWhitespace = true });
        Assert.Equal(expected, chrf.Corpus([hypothesis], [[reference]]).Score, 1e-4);
    }

    [Theory]
    [InlineData("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
        "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.", 39.14078509)]
    [InlineData("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
        "A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.", 31.22557079)]
    [InlineData("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
        "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.", 57.15704367)]
    public void SentenceChrF2MatchesSacreBleu(string hypothesis, string reference, double expected)
    {
        var chrf = new ChrF(new ChrFOptions { EpsilonSmoothing = true });
        Assert.Equal(expected, chrf.Sentence(hypothesis, [reference]).Score, 1e-4);
    }

    [Fact]
    public void BestReferenceIsChosenPerSegment()
    {
        var chrf = new ChrF();
        double alone = chrf.Sentence("the cat sat", ["the cat sat"]).Score;
        double withWorse = chrf.Sentence("the cat sat", ["completely different", "the cat sat"]).Score;
        Assert.Equal(100.0, alone, 1e-9);
        Assert.Equal(alone, withWorse, 1e-9);
    }
}
