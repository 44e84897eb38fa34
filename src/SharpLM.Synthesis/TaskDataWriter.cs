using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.IO;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Tasks;

using SharpLM.Safety.Catalogue;

namespace SharpLM.Synthesis;

/// <summary>What <see cref="TaskDataWriter.Write"/> wrote: counts per split and the held-out task files.</summary>
public sealed record TaskDataResult(string Directory, int TrainExamples, int HeldOutExamples, int Repeats, int Contaminated,
    IReadOnlyList<(string Task, string YamlPath, int Documents)> Tasks);

/// <summary>
/// Writes a task data folder, replaced whole and atomically:
/// <c>train/chat.jsonl</c> and <c>held-out/chat.jsonl</c> (OpenAI messages), <c>train/preferences.jsonl</c> and
/// <c>held-out/preferences.jsonl</c> (TRL's prompt/chosen/rejected), <c>held-out/tasks/</c> (lm-eval YAMLs with their
/// data), <c>held-out/probes.jsonl</c> (the red-team probes of the held-out goals, in the catalogue's format, for
/// `redteam --no-builtin --probes`), <c>pretraining/capital-facts.jsonl</c> (documents JSONL stating every state's capital, for
/// the pretraining corpus: see <see cref="CapitalFactDocuments"/>), and <c>manifest.json</c> (settings, sources, counts, dropped examples and each file's SHA-256). Nothing in it
/// depends on the time or the folder, so one seed gives the same bytes.
/// </summary>
public static class TaskDataWriter
{
    public const string ManifestFile = "manifest.json";
    public const string TrainFolder = "train";
    public const string HeldOutFolder = "held-out";
    public const string TasksFolder = "tasks";
    public const string ChatFile = "chat.jsonl";
    public const string PreferenceFile = "preferences.jsonl";
    public const string ProbeFile = "probes.jsonl";
    public const string PretrainingFolder = "pretraining";
    public const string FactFile = CapitalFactDocuments.SourceName + ".jsonl";

    /// <summary>The fact documents' path inside a task data folder.</summary>
    public static string FactPath(string directory) => Path.Combine(directory, PretrainingFolder, FactFile);

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    public static TaskDataResult Write(string directory, SynthSources sources, SynthOptions options)
    {
        var drawn = TaskDataDraw.Draw(sources, options);
        var tasks = new[] { HeldOutTasks.Capitals(drawn.HeldOutStates), HeldOutTasks.Arithmetic(drawn.HeldOutProblems), HeldOutTasks.CapitalFacts(drawn.HeldOutStates) };
        var heldOutItems = drawn.HeldOutExamplesAsItems()
            .Concat(drawn.HeldOutStates.Select(s => ($"{HeldOutTasks.CapitalsName}:{s.State}", string.Format(CapitalExamples.EvaluationQuestion, s.State) + " " + s.Capital)))
            .ToList();
        var (train, dropped) = Decontamination.Apply(drawn.Train, heldOutItems);

        var written = new List<(string, string, int)>();
        AtomicDirectory.Write(directory, staging =>
        {
            var files = new JsonObject();
            void Put(string relative, string text)
            {
                string path = Path.Combine(staging, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var bytes = Encoding.UTF8.GetBytes(text);
                File.WriteAllBytes(path, bytes);
                files[relative.Replace('\\', '/')] = Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
            Put($"{TrainFolder}/{ChatFile}", ChatLines(train));
            Put($"{TrainFolder}/{PreferenceFile}", PreferenceLines(train));
            Put($"{HeldOutFolder}/{ChatFile}", ChatLines(drawn.HeldOut));
            Put($"{HeldOutFolder}/{PreferenceFile}", PreferenceLines(drawn.HeldOut));
            Put($"{HeldOutFolder}/{ProbeFile}", string.Concat(drawn.HeldOutProbes.Select(p => ProbeCatalogue.Line(p) + "\n")));
            var quizStates = sources.Capitals.Select(c => c.State).Except(drawn.HeldOutStates.Select(c => c.State)).ToHashSet();
            Put($"{PretrainingFolder}/{FactFile}", string.Concat(CapitalFactDocuments.Render(sources.Capitals, options.FactPasses, options.Seed,
                $"npm:{UsStateCapitals.NamesPackage}@{UsStateCapitals.Version} + npm:{UsStateCapitals.CapitalsPackage}@{UsStateCapitals.Version}",
                quizStates).Select(DocumentJsonl.ToLine)));
            var taskEntries = new JsonArray();
            foreach (var task in tasks)
            {
                string folder = $"{HeldOutFolder}/{TasksFolder}/";
                Put(folder + task.Name + ".yaml", task.Yaml);
                Put(folder + task.DataFile, string.Concat(task.Documents.Select(d => d.ToJsonString(Compact) + "\n")));
                // The hash is read back through the task loader, so it is the one `eval run` reports for the task.
                string hash = TaskContentHash.Compute(TaskConfig.Load(Path.Combine(staging, folder + task.Name + ".yaml")));
                taskEntries.Add(new JsonObject { ["task"] = task.Name, ["file"] = folder + task.Name + ".yaml", ["documents"] = task.Documents.Count, ["hash"] = hash });
                written.Add((task.Name, Path.Combine(Path.GetFullPath(directory), HeldOutFolder, TasksFolder, task.Name + ".yaml"), task.Documents.Count));
            }
            var manifest = new JsonObject
            {
                ["generator"] = "sharplm data synth",
                ["seed"] = options.Seed,
                ["count"] = options.Count,
                ["held_out_fraction"] = options.HeldOutFraction,
                ["fact_passes"] = options.FactPasses,
                ["sources"] = Sources(sources),
                ["splits"] = new JsonObject
                {
                    [TrainFolder] = Counts(train),
                    [HeldOutFolder] = Counts(drawn.HeldOut),
                },
                ["held_out_groups"] = new JsonObject
                {
                    ["states"] = new JsonArray(drawn.HeldOutStates.Select(s => (JsonNode)s.State).ToArray()),
                    ["probe_goals"] = drawn.HeldOutGoals,
                    ["probes"] = drawn.HeldOutProbes.Count,
                    ["word_problems"] = drawn.HeldOutProblems.Count,
                },
                ["repeated_prompts_dropped"] = drawn.Repeats,
                ["contamination"] = new JsonObject
                {
                    ["n"] = Decontamination.NGram,
                    ["held_out_items"] = heldOutItems.Count,
                    ["train_checked"] = drawn.Train.Count,
                    ["dropped"] = dropped.Count,
                    ["examples"] = new JsonArray(dropped.Select(d => (JsonNode)new JsonObject
                    {
                        ["prompt"] = d.Prompt, ["held_out"] = new JsonArray(d.HeldOutItems.Select(k => (JsonNode)k).ToArray()),
                    }).ToArray()),
                },
                ["tasks"] = taskEntries,
                ["files"] = files,
            };
            File.WriteAllText(Path.Combine(staging, ManifestFile), manifest.ToJsonString(Indented) + "\n");
        });
        return new TaskDataResult(Path.GetFullPath(directory), train.Count, drawn.HeldOut.Count, drawn.Repeats, dropped.Count, written);
    }

    private static IEnumerable<(string Key, string Text)> HeldOutExamplesAsItems(this DrawnTaskData drawn) =>
        drawn.HeldOut.Select((e, i) => ($"{HeldOutFolder}/{ChatFile}:{i + 1}", e.Prompt));

    private static string ChatLines(IEnumerable<SynthExample> examples) => string.Concat(examples.Select(e => new JsonObject
    {
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = e.Prompt },
            new JsonObject { ["role"] = "assistant", ["content"] = e.Chosen }),
    }.ToJsonString(Compact) + "\n"));

    private static string PreferenceLines(IEnumerable<SynthExample> examples) => string.Concat(examples.Select(e =>
        new JsonObject { ["prompt"] = e.Prompt, ["chosen"] = e.Chosen, ["rejected"] = e.Rejected }.ToJsonString(Compact) + "\n"));

    private static JsonObject Counts(IReadOnlyList<SynthExample> examples) => new()
    {
        ["examples"] = examples.Count,
        ["kinds"] = new JsonObject(SynthKind.All.Select(k => KeyValuePair.Create(k, (JsonNode?)examples.Count(e => e.Kind == k)))),
    };

    private static JsonArray Sources(SynthSources sources) =>
    [
        new JsonObject
        {
            ["what"] = $"{sources.Capitals.Count} US states and capitals",
            ["source"] = $"npm:{UsStateCapitals.NamesPackage}@{UsStateCapitals.Version} + npm:{UsStateCapitals.CapitalsPackage}@{UsStateCapitals.Version}",
            ["license"] = UsStateCapitals.License,
        },
        new JsonObject
        {
            ["what"] = "two- and three-step word problems from the evaluation suite's templates",
            ["source"] = "generated", ["license"] = "CC0-1.0",
        },
        new JsonObject
        {
            ["what"] = $"{sources.Probes.Count} red-team probes and their benign twins",
            ["source"] = "SharpLM.Safety/Catalogue/probes.jsonl", ["license"] = "written for SharpLM; no third-party text",
        },
    ];
}
