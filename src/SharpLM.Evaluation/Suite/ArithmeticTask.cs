using System.Text.Json.Nodes;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Suite;

/// <summary>
/// GSM8K-style word problems generated from templates: two or three steps of integer arithmetic, a worked answer with
/// GSM8K's calculator annotations (<c>&lt;&lt;3*4=12&gt;&gt;</c>) and the final <c>#### n</c>, scored with lm-eval gsm8k's
/// settings (strict-match and flexible-extract filters, exact_match ignoring commas, dollar signs and the reasoning).
/// </summary>
internal static class ArithmeticTask
{
    public const string Name = "arithmetic_word_problems";
    private const int FewshotDocuments = 8;

    private static readonly string[] People = ["Ava", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam"];
    private static readonly string[] Things = ["apples", "marbles", "stickers", "pencils", "cookies", "stamps", "shells", "cards"];

    /// <summary>A problem: its question, the worked answer ending in "#### n", and the expression that computes n.</summary>
    internal sealed record Problem(string Question, string Answer, string Expression, long Result);

    public static SuiteTask Build(int documents, int seed, int maxLength)
    {
        var random = new PythonRandom(seed);
        var train = Enumerable.Range(0, FewshotDocuments).Select(_ => AsDocument(Generate(random))).ToList();
        var test = Enumerable.Range(0, documents).Select(_ => AsDocument(Generate(random))).ToList();
        int maxTokens = Math.Clamp(maxLength / 2, 16, 256);
        string yaml = $"""
            task: {Name}
            {SuiteText.DataFiles(Name, "train", "test")}training_split: train
            fewshot_split: train
            test_split: test
            output_type: generate_until
            doc_to_text: "Question: {"{{question}}"}\nAnswer:"
            doc_to_target: "{"{{answer}}"}"
            num_fewshot: 5
            fewshot_config:
              sampler: first_n
            generation_kwargs:
              until: ["Question:", "</s>", "<|im_end|>"]
              max_gen_toks: {maxTokens}
              do_sample: false
              temperature: 0
            {SuiteText.Gsm8kScoring}metadata:
              version: 1.0

            """;
        return new SuiteTask(Name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["train"] = train, ["test"] = test },
            "generated from templates", "CC0-1.0",
            "two- and three-step integer word problems in GSM8K's format, 5-shot, strict-match and flexible-extract");
    }

    private static JsonObject AsDocument(Problem p) => new()
    {
        ["question"] = p.Question, ["answer"] = p.Answer, ["expression"] = p.Expression, ["result"] = p.Result,
    };

    internal static Problem Generate(PythonRandom random)
    {
        string who = People[random.Below(People.Length)], what = Things[random.Below(Things.Length)];
        int Draw(int low, int high) => low + random.Below(high - low + 1);
        switch (random.Below(5))
        {
            case 0:
            {
                int a = Draw(2, 40), b = Draw(2, 9), c = Draw(2, 12);
                int bc = b * c, r = a + bc;
                return new Problem($"{who} has {a} {what}. {who} buys {b} packs with {c} {what} in each pack. How many {what} does {who} have now?",
                    $"The packs hold {b} * {c} = <<{b}*{c}={bc}>>{bc} {what}.\n{who} has {a} + {bc} = <<{a}+{bc}={r}>>{r} {what} now.\n#### {r}",
                    $"{a} + {b} * {c}", r);
            }
            case 1:
            {
                int b = Draw(2, 9), c = Draw(2, 8), extra = Draw(1, 30);
                int bc = b * c, a = bc + extra;
                return new Problem($"{who} had {a} {what} and gave {b} {what} to each of {c} friends. How many {what} does {who} have left?",
                    $"{who} gave away {b} * {c} = <<{b}*{c}={bc}>>{bc} {what}.\n{who} has {a} - {bc} = <<{a}-{bc}={extra}>>{extra} {what} left.\n#### {extra}",
                    $"{a} - {b} * {c}", extra);
            }
            case 2:
            {
                int a = Draw(5, 25), b = Draw(2, 8), c = Draw(2, 8);
                int h = b + c, r = a * h;
                return new Problem($"{who} earns ${a} per hour, works {b} hours on Monday and {c} hours on Tuesday. How many dollars does {who} earn in the two days?",
                    $"{who} works {b} + {c} = <<{b}+{c}={h}>>{h} hours.\n{who} earns {a} * {h} = <<{a}*{h}={r}>>{r} dollars.\n#### {r}",
                    $"{a} * ({b} + {c})", r);
            }
            case 3:
            {
                int a = Draw(3, 30), b = Draw(2, 9), c = Draw(1, 20);
                int ab = a * b, r = ab + c;
                return new Problem($"{who} reads {a} pages a day for {b} days and then {c} pages on the last day. How many pages does {who} read in all?",
                    $"In {b} days {who} reads {a} * {b} = <<{a}*{b}={ab}>>{ab} pages.\nIn all {who} reads {ab} + {c} = <<{ab}+{c}={r}>>{r} pages.\n#### {r}",
                    $"{a} * {b} + {c}", r);
            }
            default:
            {
                int b = Draw(2, 9), c = Draw(1, 9), q = c + Draw(1, 12);
                int a = b * q, r = q - c;
                return new Problem($"{who} shares {a} {what} equally among {b} friends, and each friend then loses {c} of them. How many {what} does each friend have left?",
                    $"Each friend gets {a} / {b} = <<{a}/{b}={q}>>{q} {what}.\nEach friend has {q} - {c} = <<{q}-{c}={r}>>{r} {what} left.\n#### {r}",
                    $"{a} / {b} - {c}", r);
            }
        }
    }
}
