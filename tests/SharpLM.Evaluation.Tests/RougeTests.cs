using SharpLM.Evaluation.Metrics;

namespace SharpLM.Evaluation.Tests;

/// <summary>Expected values are rouge-score's own test cases (rouge_scorer_test.py and its test data, scored against ROUGE-1.5.5).</summary>
public class RougeTests
{
    // The first two lines of rouge-score's testdata/target.txt and prediction.txt: random strings whose words end in
    // -ing, -tion and -er, so that stemming changes the second pair's score.
    private const string Target0 = "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n";
    private const string Target1 = "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n";
    private const string Prediction0 = "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n";
    private const string Prediction1 = "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n";

    [Fact]
    public void SmallCases()
    {
        var one = Rouge.Score("testing one two", "testing");
        Assert.Equal(new RougeValue(1, 1.0 / 3, 0.5), one.Rouge1);
        var two = Rouge.Score("testing one two", "testing one");
        Assert.Equal(1, two.Rouge2.Precision, 1e-12);
        Assert.Equal(0.5, two.Rouge2.Recall, 1e-12);
        Assert.Equal(2.0 / 3, two.Rouge2.FMeasure, 1e-12);
        Assert.Equal(0.8, two.RougeL.FMeasure, 1e-12);
        var gap = Rouge.Score("testing one two", "testing two");
        Assert.Equal(2.0 / 3, gap.RougeL.Recall, 1e-12);
        Assert.Equal(0.8, gap.RougeL.FMeasure, 1e-12);
    }

    [Fact]
    public void EmptyPredictionScoresZero()
    {
        var score = Rouge.Score("testing one two", "");
        foreach (var value in new[] { score.Rouge1, score.Rouge2, score.RougeL, score.RougeLsum }) Assert.Equal(RougeValue.Zero, value);
        Assert.Equal(RougeValue.Zero, Rouge.Score("", "w1").RougeLsum);
        Assert.Equal(RougeValue.Zero, Rouge.Score("w1 w2 w3 w4 w5", "/").RougeLsum);
    }

    [Theory]
    [InlineData(0, false, 0.40741, 0.68750, 0.51163, 0.30769, 0.53333, 0.39024)]
    [InlineData(1, false, 0.40476, 0.65385, 0.50000, 0.29268, 0.48000, 0.36364)]
    [InlineData(0, true, 0.40741, 0.68750, 0.51163, 0.30769, 0.53333, 0.39024)]
    [InlineData(1, true, 0.42857, 0.69231, 0.52941, 0.29268, 0.48000, 0.36364)]
    public void MatchesRouge155(int line, bool stem, double r1Recall, double r1Precision, double r1F, double r2Recall, double r2Precision, double r2F)
    {
        var score = line == 0 ? Rouge.Score(Target0, Prediction0, stem) : Rouge.Score(Target1, Prediction1, stem);
        Assert.Equal(r1Recall, score.Rouge1.Recall, 5e-6);
        Assert.Equal(r1Precision, score.Rouge1.Precision, 5e-6);
        Assert.Equal(r1F, score.Rouge1.FMeasure, 5e-6);
        Assert.Equal(r2Recall, score.Rouge2.Recall, 5e-6);
        Assert.Equal(r2Precision, score.Rouge2.Precision, 5e-6);
        Assert.Equal(r2F, score.Rouge2.FMeasure, 5e-6);
        if (!stem)
        {
            Assert.Equal(r1Recall, score.RougeL.Recall, 5e-6);
            Assert.Equal(r1Precision, score.RougeL.Precision, 5e-6);
        }
    }

    [Fact]
    public void LsumWithStemmingMatchesRouge155()
    {
        const string target = Target0 + Target1 +
            "NhETebUbBk'er WOvoHMTjSRizKgH'vHiing Xu,hWxfs VkNE QhgKiLHE -HidivzoM.dO anhtion jbLQiSGDTCsuhREebUaKM dv J dVN tmbOT\n" +
            "vMR HDm,xOAetion D,tion HJtodT.mHl UIv-p VjWH'BdyWjnfGU-OjT aEMdFICyLWfQMtion wEMfdOKing AwkeKbO 'DxqNOHBH qKtVvm OYJl mM\n";
        const string prediction = Prediction0 + Prediction1 +
            "xfs VkJE QhgKiLHE -HidivzoM.dO anhing jbLQiSGDTCsuhREebUaKM dv J\n" +
            "VjWH'BdyWjnfGU-OjTNaEMdFICyLWfQMing wEMfdOKijg AwkeKbO 'DxqNO\n";
        var score = Rouge.Score(target, prediction, stem: true).RougeLsum;
        Assert.Equal(0.36538, score.Recall, 5e-6);
        Assert.Equal(0.66667, score.Precision, 5e-6);
        Assert.Equal(0.47205, score.FMeasure, 5e-6);
    }

    [Fact]
    public void LsumUnionsTheLcsOfEachSentence()
    {
        var score = Rouge.Score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5").RougeLsum;
        Assert.Equal(0.8, score.Recall, 1e-12);
        Assert.Equal(0.4, score.Precision, 1e-12);
        Assert.Equal(0.5333, score.FMeasure, 1e-4);
    }

    [Fact]
    public void LcsIndicesReadBackLikeRougeScore()
    {
        Assert.Equal([1, 2, 3], Rouge.LcsIndices(["1", "2", "3", "4", "5"], ["2", "5", "3", "4"]));
        Assert.Empty(Rouge.LcsIndices(["1", "2", "3", "4", "5"], ["8", "9"]));
    }

    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("flies", "fli")]
    [InlineData("dies", "die")]
    [InlineData("agreed", "agre")]
    [InlineData("hopping", "hop")]
    [InlineData("filing", "file")]
    [InlineData("meetings", "meet")]
    [InlineData("running", "run")]
    [InlineData("happily", "happili")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("generalization", "gener")]
    [InlineData("controlling", "control")]
    [InlineData("dying", "die")]
    [InlineData("skies", "sky")]
    [InlineData("probate", "probat")]
    [InlineData("rate", "rate")]
    [InlineData("cease", "ceas")]
    public void PorterStemmerNltkMode(string word, string expected) => Assert.Equal(expected, PorterStemmer.Stem(word));
}
