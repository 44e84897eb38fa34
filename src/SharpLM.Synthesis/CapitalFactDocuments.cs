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
    /// phrasing drawn without repeats inside its paragraph. A state of <paramref name="quizStates"/> is, half the time,
    /// also asked about right after its sentence, in one of the training questions' phrasings, and answered. One seed gives
    /// the same documents.
    /// </summary>
    /// <remarks>
    /// The quiz lines are "mixed training": a model that has seen questions answered from facts for some entities in
    /// pretraining learns to answer them for the others, whose facts it saw only as statements. Only training-split
    /// states are quizzed, so no held-out question appears anywhere in the corpus.
    /// </remarks>
    public static IEnumerable<Document> Render(IReadOnlyList<StateCapital> states, int passes, int seed, string source,
        IReadOnlySet<string>? quizStates = null)
    {
        // A stream apart from the task draw's (seeded with the bare seed), so that the first pass's order is not the held-out sample's.
        var random = new PythonRandom(((long)seed << 8) | 0x46);
        for (int pass = 0; pass < passes; pass++)
        {
            var order = random.Sample(states, states.Count);
            int paragraphs = Math.Max(1, order.Count / StatesPerDocument);
            for (int p = 0; p < paragraphs; p++)
            {
                int start = p * StatesPerDocument, end = p == paragraphs - 1 ? order.Count : start + StatesPerDocument;
                var phrasings = random.Sample(Phrasings, Math.Min(end - start, Phrasings.Length));
                var sentences = new List<string>();
                foreach (var (state, i) in order.Skip(start).Take(end - start).Select((state, i) => (state, i)))
                {
                    sentences.Add(string.Format(phrasings[i % phrasings.Count], state.State, state.Capital));
                    if (quizStates?.Contains(state.State) == true && random.Below(2) == 0)
                        sentences.Add(string.Format(CapitalExamples.Questions[random.Below(CapitalExamples.Questions.Length)], state.State) + " " + state.Capital + ".");
                }
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
