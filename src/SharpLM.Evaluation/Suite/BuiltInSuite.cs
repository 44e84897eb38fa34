using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Suite;

/// <summary>A written task: where its YAML lies and the content hash that results files report for it.</summary>
public sealed record WrittenTask(string Name, string YamlPath, int Documents, string Hash);

/// <summary>
/// The built-in task suite: lm-eval task files with their JSON Lines data, generated from a seed out of public-domain
/// stdlib data sets, plus <c>suite.json</c> (settings, sources, licenses and each task's content hash) and a README.
/// </summary>
public static class BuiltInSuite
{
    public const string ManifestFile = "suite.json";
    /// <summary>The latest addresses, scored for bits per byte and kept out of the needle haystacks.</summary>
    public const int HeldOutAddresses = 5;
    public const int SotuCharacters = 2000;

    public static IReadOnlyList<string> TaskNames { get; } =
    [
        "capitals_qa", "capitals_mc", SentimentTask.Name, ArithmeticTask.Name, SotuBitsPerByteTask.Name, NeedleTask.Name, DialogueTask.Name,
    ];

    /// <summary>Generates the chosen tasks (all when <paramref name="only"/> is null), each from its own seed derived from the suite's.</summary>
    public static IReadOnlyList<SuiteTask> Generate(SuiteOptions options, SuiteSources sources, IReadOnlyCollection<string>? only = null)
    {
        foreach (string name in only ?? [])
            if (!TaskNames.Contains(name))
                throw new SharpLMException($"--tasks: unknown built-in task '{name}'; the suite has {string.Join(", ", TaskNames)}.");
        if (options.Documents < 1) throw new SharpLMException("--documents must be at least 1.");
        var tasks = new List<SuiteTask>();
        for (int ordinal = 0; ordinal < TaskNames.Count; ordinal++)
        {
            string name = TaskNames[ordinal];
            if (only is not null && !only.Contains(name)) continue;
            int seed = unchecked(options.Seed * 100 + ordinal);
            tasks.Add(name switch
            {
                "capitals_qa" => CapitalsTasks.Generative(sources.Capitals),
                "capitals_mc" => CapitalsTasks.MultipleChoice(sources.Capitals, seed),
                SentimentTask.Name => SentimentTask.Build(sources.Afinn, options.Documents, seed),
                ArithmeticTask.Name => ArithmeticTask.Build(options.Documents, seed, options.MaxLength),
                SotuBitsPerByteTask.Name => SotuBitsPerByteTask.Build(sources.StateOfTheUnion, HeldOutAddresses, SotuCharacters),
                NeedleTask.Name => NeedleTask.Build(sources.StateOfTheUnion, options, HeldOutAddresses, seed),
                _ => DialogueTask.Build(sources.Capitals, options.Documents, seed),
            });
        }
        return tasks;
    }

    /// <summary>Writes the tasks into <paramref name="directory"/> (replaced whole, atomically) and returns each task's content hash.</summary>
    public static IReadOnlyList<WrittenTask> Write(string directory, SuiteOptions options, IReadOnlyList<SuiteTask> tasks)
    {
        var written = new List<WrittenTask>();
        var json = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        AtomicDirectory.Write(directory, staging =>
        {
            var entries = new JsonArray();
            foreach (var task in tasks)
            {
                File.WriteAllText(Path.Combine(staging, task.Name + ".yaml"), task.Yaml);
                foreach (var (split, documents) in task.Splits)
                {
                    var lines = new StringBuilder();
                    foreach (var document in documents) lines.Append(document.ToJsonString(json)).Append('\n');
                    File.WriteAllText(Path.Combine(staging, SuiteTask.DataFile(task.Name, split)), lines.ToString());
                }
                // The hash is read back through the task loader, so it is the one `eval run` reports.
                var config = TaskConfig.Load(Path.Combine(staging, task.Name + ".yaml"));
                string hash = TaskContentHash.Compute(config);
                int count = task.Splits[config.EvaluationSplit].Count;
                written.Add(new WrittenTask(task.Name, Path.Combine(Path.GetFullPath(directory), task.Name + ".yaml"), count, hash));
                entries.Add(new JsonObject
                {
                    ["task"] = task.Name,
                    ["file"] = task.Name + ".yaml",
                    ["data_files"] = new JsonObject(task.Splits.Keys.Select(s => KeyValuePair.Create(s, (JsonNode?)SuiteTask.DataFile(task.Name, s)))),
                    ["output_type"] = config.Raw.GetValueOrDefault("output_type")?.ToString(),
                    ["documents"] = count,
                    ["metrics"] = new JsonArray(config.Metrics.Select(m => (JsonNode)m.Name).ToArray()),
                    ["source"] = task.Source,
                    ["license"] = task.License,
                    ["summary"] = task.Summary,
                    ["hash"] = hash,
                });
            }
            var manifest = new JsonObject
            {
                ["suite"] = "sharplm-builtin",
                ["seed"] = options.Seed,
                ["max_length"] = options.MaxLength,
                ["length_unit"] = options.LengthUnit,
                ["documents"] = options.Documents,
                ["tasks"] = entries,
            };
            File.WriteAllText(Path.Combine(staging, ManifestFile), manifest.ToJsonString(new JsonSerializerOptions(json) { WriteIndented = true }) + "\n");
            File.WriteAllText(Path.Combine(staging, "README.md"), Readme(options, tasks, written));
        });
        return written;
    }

    private static string Readme(SuiteOptions options, IReadOnlyList<SuiteTask> tasks, IReadOnlyList<WrittenTask> written)
    {
        var text = new StringBuilder();
        text.Append("# SharpLM built-in evaluation suite\n\n");
        text.Append($"Generated by `sharplm eval suite` with seed {options.Seed}, max length {options.MaxLength} {options.LengthUnit}, ")
            .Append($"{options.Documents} documents per generated task. Run it with `sharplm eval run --tasks <this folder> ...`.\n\n");
        text.Append("| task | documents | what | source | license | content hash |\n|---|---|---|---|---|---|\n");
        foreach (var (task, result) in tasks.Zip(written))
            text.Append($"| {task.Name} | {result.Documents} | {task.Summary} | {task.Source} | {task.License} | `{result.Hash}` |\n");
        text.Append("\nThe hash is the one `eval run` writes under `task_hashes` in its results file (see docs/evaluation.md).\n");
        return text.ToString();
    }
}
