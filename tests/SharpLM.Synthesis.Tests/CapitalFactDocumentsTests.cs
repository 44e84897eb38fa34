using SharpLM.Data.Filters;

namespace SharpLM.Synthesis.Tests;

public sealed class CapitalFactDocumentsTests
{
    private static readonly IReadOnlyList<Core.Formats.Documents.Document> Documents =
        CapitalFactDocuments.Render(SynthFixture.Capitals, passes: 5, seed: 3, source: "test").ToList();

    [Fact]
    public void EveryPassStatesEveryCapitalOnceInAnotherOrder()
    {
        var passes = Documents.GroupBy(d => d.Id.Split('/')[1].Split('-')[0]).ToList();
        Assert.Equal(5, passes.Count);
        var orders = new List<string>();
        foreach (var pass in passes)
        {
            string text = string.Join(' ', pass.Select(d => d.Text));
            foreach (var state in SynthFixture.Capitals)
            {
                // Each sentence names the state and its capital; no other state's sentence names this capital.
                Assert.Equal(1, Count(text, state.Capital));
            }
            orders.Add(string.Join(",", SynthFixture.Capitals.OrderBy(s => text.IndexOf(s.Capital, StringComparison.Ordinal)).Select(s => s.State)));
        }
        Assert.True(orders.Distinct().Count() > 1, "every pass listed the states in the same order");
    }

    [Fact]
    public void AParagraphNeverRepeatsAPhrasingAndTheLastOneTakesTheRemainder()
    {
        foreach (var document in Documents)
        {
            var sentences = document.Text.Split(". ").Select(s => s.TrimEnd('.')).ToList();
            // Twelve states make two paragraphs of six.
            Assert.Equal(6, sentences.Count);
            var shapes = sentences.Select(s => SynthFixture.Capitals.Aggregate(s, (t, c) => t.Replace(c.Capital, "{1}").Replace(c.State, "{0}"))).ToList();
            Assert.Equal(shapes.Count, shapes.Distinct().Count());
        }
        var thirteen = SynthFixture.Capitals.Append(new("Maine", "Augusta")).ToList();
        var last = CapitalFactDocuments.Render(thirteen, passes: 1, seed: 3, source: "test").ToList();
        Assert.Equal(2, last.Count);
        Assert.Equal(7, last[1].Text.Split(". ").Length);
    }

    [Fact]
    public void TheSameSeedGivesTheSameDocumentsAndTheParagraphsPassTheRepetitionFilter()
    {
        var again = CapitalFactDocuments.Render(SynthFixture.Capitals, passes: 5, seed: 3, source: "test").ToList();
        Assert.Equal(Documents.Select(d => (d.Id, d.Text)), again.Select(d => (d.Id, d.Text)));
        Assert.NotEqual(Documents.Select(d => d.Text), CapitalFactDocuments.Render(SynthFixture.Capitals, 5, seed: 4, source: "test").Select(d => d.Text));
        Assert.Equal(Documents.Count, Documents.Select(d => d.Id).Distinct().Count());

        var filter = new GopherRepetitionFilter();
        Assert.All(Documents, d => Assert.True(filter.Apply(d.Text).Kept, $"{d.Id}: {filter.Apply(d.Text).RejectedBy}"));
        Assert.Empty(CapitalFactDocuments.Render(SynthFixture.Capitals, passes: 0, seed: 3, source: "test"));
    }

    [Fact]
    public void OnlyQuizStatesAreAskedAboutAndAboutHalfTheTimeRightAfterTheirFact()
    {
        var quiz = new HashSet<string> { "Ohio", "Texas", "Iowa" };
        var documents = CapitalFactDocuments.Render(SynthFixture.Capitals, passes: 40, seed: 3, source: "test", quiz).ToList();
        string all = string.Join(' ', documents.Select(d => d.Text));
        var asked = CapitalExamples.Questions
            .SelectMany(q => SynthFixture.Capitals.Select(c => (c.State, Line: string.Format(q, c.State) + " " + c.Capital + ".")))
            .Where(x => all.Contains(x.Line, StringComparison.Ordinal))
            .Select(x => x.State).Distinct().Order().ToList();
        Assert.Equal(quiz.Order(), asked);
        foreach (string state in quiz)
        {
            int questions = CapitalExamples.Questions.Sum(q => Count(all, string.Format(q, state)));
            // 40 passes, each quiz state asked with probability 1/2: 20 expected; a binomial(40, 1/2) lies in [8, 32] all but 1e-4 of the time.
            Assert.InRange(questions, 8, 32);
        }
        // A question follows its own state's sentence.
        foreach (var document in documents)
            foreach (string question in CapitalExamples.Questions)
                foreach (var state in SynthFixture.Capitals.Where(c => quiz.Contains(c.State)))
                {
                    string asked1 = string.Format(question, state.State);
                    for (int at = document.Text.IndexOf(asked1, StringComparison.Ordinal); at >= 0; at = document.Text.IndexOf(asked1, at + 1, StringComparison.Ordinal))
                    {
                        string before = document.Text[..at].TrimEnd();
                        string previous = before[(before[..^1].LastIndexOfAny(['.', '?']) + 1)..];
                        Assert.Contains(state.State, previous);
                    }
                }
        // Every statement is still there, once per pass.
        foreach (var state in SynthFixture.Capitals.Where(c => !quiz.Contains(c.State)))
            Assert.Equal(40, Count(all, state.Capital));
    }

    private static int Count(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
