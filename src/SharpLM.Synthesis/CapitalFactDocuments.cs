using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;

namespace SharpLM.Synthesis;

/// <summary>
/// Pretraining documents stating every state's capital: short paragraphs of six to eight states in a shuffled order,
/// each sentence in a different phrasing. The held-out capitals task asks about states that SFT never shows, so only a
/// base that learned these facts in pretraining can answer it; post-training then teaches the question-and-answer form.
/// That is the split real assistants rely on (facts from the pretraining corpus, the format from SFT). Several phrasings
/// and orders, rather than one list repeated, are what lets a model retrieve a fact in a form it was not trained on.
/// </summary>
public static class CapitalFactDocuments
{
    public const string SourceName = "capital-facts";

    /// <summary>The first phrasing up to the capital: the held-out fact task continues it.</summary>
    public const string FactPrompt = "The capital of {0} is";

    /// <summary>States per paragraph; the last paragraph of a pass also takes the remainder.</summary>
    private const int StatesPerDocument = 6;

    // No phrasing shares a four-word run with another, so a paragraph passes the pipeline's repetition filters.
    private static readonly string[] Phrasings =
    [
        FactPrompt + " {1}.",
        "{1} is the seat of government of {0}.",
        "{0} has {1} as its capital city.",
        "Lawmakers in {0} meet at the statehouse in {1}.",
        "{1}, the state capital, is home to the governor of {0}.",
        "Ask anyone from {0} and they will tell you that {1} is their capital.",
        "{0}'s capital is {1}.",
        "When people speak of the capital of {0}, they mean {1}.",
    ];

    /// <summary>
    /// <paramref name="passes"/> times over all states, each pass in a new order: every state appears once per pass, in a
    /// phrasing drawn without repeats inside its paragraph. One seed gives the same documents.
    /// </summary>
    public static IEnumerable<Document> Render(IReadOnlyList<StateCapital> states, int passes, int seed, string source)
    {
        var random = new PythonRandom(seed);
        for (int pass = 0; pass < passes; pass++)
        {
            var order = random.Sample(states, states.Count);
            int paragraphs = Math.Max(1, order.Count / StatesPerDocument);
            for (int p = 0; p < paragraphs; p++)
            {
                int start = p * StatesPerDocument, end = p == paragraphs - 1 ? order.Count : start + StatesPerDocument;
                var phrasings = random.Sample(Phrasings, Math.Min(end - start, Phrasings.Length));
                var sentences = order.Skip(start).Take(end - start)
                    .Select((state, i) => string.Format(phrasings[i % phrasings.Count], state.State, state.Capital));
                yield return new Document
                {
                    Id = $"{SourceName}/{pass}-{p}",
                    Text = string.Join(' ', sentences),
                    Source = source,
                    License = UsStateCapitals.License,
                };
            }
        }
    }
}
