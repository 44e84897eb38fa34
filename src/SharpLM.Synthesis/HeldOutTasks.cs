using System.Text.Json.Nodes;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Suite;

namespace SharpLM.Synthesis;

/// <summary>A held-out evaluation task: its lm-eval YAML and the documents of its one split, written beside it as &lt;name&gt;.test.jsonl.</summary>
public sealed record HeldOutTask(string Name, string Yaml, IReadOnlyList<JsonObject> Documents)
{
    public string DataFile => SuiteTask.DataFile(Name, "test");
}

/// <summary>
/// Exact-match tasks on the held-out states and word problems, asked the way the training data asks: one ChatML user
/// turn and an open assistant turn, zero-shot, greedy, stopping at the end of the turn; and the held-out states' capitals
/// as plain text to continue, which shows what the base learned in pretraining. Scoring follows the suite's
/// capitals_qa (whitespace stripped, case and punctuation ignored) and lm-eval's gsm8k (the number after "####").
/// </summary>
public static class HeldOutTasks
{
    public const string CapitalsName = "synth_capitals";
    public const string ArithmeticName = "synth_arithmetic";
    public const string CapitalFactsName = "synth_capital_facts";

    public static HeldOutTask Capitals(IReadOnlyList<StateCapital> states) =>
        StateTask(CapitalsName, $"<|im_start|>user\\n{string.Format(CapitalExamples.EvaluationQuestion, "{{state}}")}<|im_end|>\\n<|im_start|>assistant\\n",
            "\"<|im_end|>\", \"\\n\"", states);

    /// <summary>
    /// What the base knows, whatever it can answer in a chat: the held-out states as plain text to continue ("The capital
    /// of Ohio is"), in the first phrasing of <see cref="CapitalFactDocuments"/>, up to the sentence's full stop.
    /// </summary>
    public static HeldOutTask CapitalFacts(IReadOnlyList<StateCapital> states) =>
        StateTask(CapitalFactsName, string.Format(CapitalFactDocuments.FactPrompt, "{{state}}"), "\".\", \"\\n\"", states);

    /// <summary>A greedy task over the held-out states whose answer is the capital, scored as the suite's capitals_qa.</summary>
    /// <param name="prompt">doc_to_text, as it goes between the YAML's double quotes.</param>
    /// <param name="until">The stop strings, as they go between the YAML list's brackets.</param>
    private static HeldOutTask StateTask(string name, string prompt, string until, IReadOnlyList<StateCapital> states) => new(name, $$"""
        task: {{name}}
        {{SuiteText.DataFiles(name, "test")}}test_split: test
        output_type: generate_until
        doc_to_text: "{{prompt}}"
        doc_to_target: "{{"{{capital}}"}}"
        generation_kwargs:
          until: [{{until}}]
          max_gen_toks: 16
          do_sample: false
          temperature: 0
        {{SuiteText.StrippedExactMatchScoring}}
        """, states.Select(s => new JsonObject { ["state"] = s.State, ["capital"] = s.Capital }).ToList());

    public static HeldOutTask Arithmetic(IReadOnlyList<HeldOutProblem> problems) => new(ArithmeticName, $$"""
        task: {{ArithmeticName}}
        {{SuiteText.DataFiles(ArithmeticName, "test")}}test_split: test
        output_type: generate_until
        doc_to_text: "<|im_start|>user\n{{"{{question}}"}}<|im_end|>\n<|im_start|>assistant\n"
        doc_to_target: "{{"{{answer}}"}}"
        generation_kwargs:
          until: ["<|im_end|>", "Question:"]
          max_gen_toks: 128
          do_sample: false
          temperature: 0
        {{SuiteText.Gsm8kScoring}}metadata:
          version: 1.0

        """, problems.Select(p => new JsonObject { ["question"] = p.Question, ["answer"] = p.Answer, ["result"] = p.Result }).ToList());

}
