using SharpLM.Evaluation.Metrics;

namespace SharpLM.Evaluation.Tests;

/// <summary>Expected values are sacreBLEU 2.x's own test cases (test_ter.py).</summary>
public class TerTests
{
    [Theory]
    [InlineData("aaaa bbbb cccc dddd", "aaaa bbbb cccc dddd", 0.0)]
    [InlineData("dddd eeee ffff", "aaaa bbbb cccc", 1.0)]
    [InlineData("", "a", 1.0)]
    [InlineData("d e f g h a b c", "a b c d e f g h", 1.0 / 8)]
    public void SmallCases(string hypothesis, string reference, double expected) =>
        Assert.Equal(100 * expected, new Ter().Corpus([hypothesis], [[reference]]).Score, 1e-3);

    [Fact]
    public void RealisticCorpusFromWmtDevData()
    {
        string[] hypotheses =
        [
            "wählen Sie \" Bild neu berechnen , \" um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit das Bild ungefähr dieselbe Größe aufweist wie die andere Größe .",
            "wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option \" Alle Aufgaben aktualisieren . \"",
            "klicken Sie auf der Registerkarte \" Optionen \" auf die Schaltfläche \" Benutzerdefiniert \" und geben Sie Werte für \" Fehlerkorrektur-Level \" und \" Y / X-Verhältnis \" ein .",
            "Sie können beispielsweise ein Dokument erstellen , das ein Auto über die Bühne enthält .",
            "wählen Sie im Dialogfeld \" Neu aus Vorlage \" eine Vorlage aus und klicken Sie auf \" Neu . \"",
        ];
        string[] references =
        [
            "wählen Sie \" Bild neu berechnen , \" um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit die Darstellung des Bildes in einer anderen Größe beibehalten wird .",
            "wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option \" Alle Aufgaben aktualisieren . \"",
            "klicken Sie auf der Registerkarte \" Optionen \" auf die Schaltfläche \" Benutzerdefiniert \" und geben Sie für \" Fehlerkorrektur-Level \" und \" Y / X-Verhältnis \" niedrigere Werte ein .",
            "Sie können beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich über die Bühne bewegt .",
            "wählen Sie im Dialogfeld \" Neu aus Vorlage \" eine Vorlage aus und klicken Sie auf \" Neu . \"",
        ];
        Assert.Equal(13.6, new Ter().Corpus(hypotheses, [references]).Score, 1e-3);
    }

    [Fact]
    public void BestReferenceCountsAndLengthsAverage()
    {
        var score = new Ter().Sentence("a b c", ["a b c d", "x y"]);
        Assert.Equal(1, score.Edits);
        Assert.Equal(3, score.ReferenceLength);
    }
}
