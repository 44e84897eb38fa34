using System.Text.Json.Nodes;

namespace SharpLM.Evaluation.Suite;

/// <summary>
/// One generated task: its lm-eval YAML (data files named <c>&lt;task&gt;.&lt;split&gt;.jsonl</c> beside it), its documents
/// per split, and where the data comes from.
/// </summary>
public sealed record SuiteTask(string Name, string Yaml, IReadOnlyDictionary<string, IReadOnlyList<JsonObject>> Splits,
    string Source, string License, string Summary)
{
    public static string DataFile(string task, string split) => $"{task}.{split}.jsonl";
}
