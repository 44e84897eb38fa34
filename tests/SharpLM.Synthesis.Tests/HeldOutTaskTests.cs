using SharpLM.Core.Formats.Chat;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Synthesis.Tests;

public sealed class HeldOutTaskTests
{
    /// <summary>Answers a held-out task's prompt from a table of user turns; anything else gets a fixed wrong answer.</summary>
    private sealed class TableModel(IReadOnlyDictionary<string, string> answers) : IEvaluationModel
    {
        public List<GenerationRequest> Requests { get; } = new();

        public string Name => "table";

        public LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request) => throw new NotSupportedException();

        public double LoglikelihoodRolling(string text) => throw new NotSupportedException();

        public string Generate(GenerationRequest request)
        {
            Requests.Add(request);
            if (answers.TryGetValue(request.Context, out string? plain)) return plain; // a plain-text prompt, not a chat turn
            const string open = "<|im_start|>user\n", close = "<|im_end|>\n<|im_start|>assistant\n";
            Assert.StartsWith(open, request.Context);
            Assert.EndsWith(close, request.Context);
            string user = request.Context[open.Length..^close.Length];
            return answers.TryGetValue(user, out string? answer) ? answer : "Paris.\n#### -1";
        }
    }

    [Fact]
    public void TheTasksScoreTheHeldOutAnswersAsFullMarksAndTheirRejectedTwinsAsNone()
    {
        string root = SynthFixture.TempDirectory();
        try
        {
            var result = TaskDataWriter.Write(root, SynthFixture.Sources, new SynthOptions(Seed: 5, Count: 300));
            var pairs = PreferenceJsonl.Read(Path.Combine(root, "held-out", "preferences.jsonl")).ToList();
            var chosen = pairs.ToDictionary(p => p.Prompt[0].Content, p => p.Chosen[0].Content);
            var rejected = pairs.ToDictionary(p => p.Prompt[0].Content, p => p.Rejected[0].Content);
            // Capital questions the draw did not happen to ask are still in the task: answer those from the source list.
            foreach (var state in SynthFixture.Capitals)
            {
                chosen.TryAdd($"What is the capital of {state.State}?", " " + state.Capital.ToLowerInvariant() + ". ");
                rejected.TryAdd($"What is the capital of {state.State}?", "Paris");
            }

            // The fact task continues plain text, stopping before the full stop.
            foreach (var state in SynthFixture.Capitals)
            {
                chosen[$"The capital of {state.State} is"] = $" {state.Capital}";
                rejected[$"The capital of {state.State} is"] = " Paris";
            }

            Assert.Equal(3, result.Tasks.Count);
            foreach (var (name, yaml, documents) in result.Tasks)
            {
                var task = TaskConfig.Load(yaml);
                Assert.True(documents > 0, name);
                var right = new TableModel(chosen);
                var scored = TaskEvaluator.Evaluate(task, right, bootstrapIterations: 0);
                Assert.Equal(documents, right.Requests.Count);
                Assert.Contains(right.Requests[0].Until, u => u == (name == HeldOutTasks.CapitalFactsName ? "." : "<|im_end|>"));
                var wrong = TaskEvaluator.Evaluate(task, new TableModel(rejected), bootstrapIterations: 0);
                if (name is HeldOutTasks.CapitalsName or HeldOutTasks.CapitalFactsName)
                {
                    Assert.Equal(1.0, (double)scored.Metrics["exact_match,strip"]!);
                    Assert.Equal(0.0, (double)wrong.Metrics["exact_match,strip"]!);
                }
                else
                {
                    Assert.Equal(HeldOutTasks.ArithmeticName, name);
                    Assert.Equal(1.0, (double)scored.Metrics["exact_match,strict-match"]!);
                    Assert.Equal(1.0, (double)scored.Metrics["exact_match,flexible-extract"]!);
                    Assert.Equal(0.0, (double)wrong.Metrics["exact_match,strict-match"]!);
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
