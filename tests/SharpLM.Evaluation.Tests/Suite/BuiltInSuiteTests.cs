using System.Data;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpLM.Core;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Suite;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Tests.Suite;

public class BuiltInSuiteTests
{
    private static (string Folder, IReadOnlyList<WrittenTask> Tasks) Write(SuiteOptions options, params string[] only)
    {
        string folder = Path.Combine(TaskFixtures.Folder(), "suite");
        var tasks = BuiltInSuite.Generate(options, SuiteFixtures.Sources(), only.Length == 0 ? null : only);
        return (folder, BuiltInSuite.Write(folder, options, tasks));
    }

    private static List<JsonObject> Documents(string folder, string task, string split = "test") =>
        File.ReadAllLines(Path.Combine(folder, $"{task}.{split}.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static Dictionary<string, byte[]> Files(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public void TheSameSeedWritesTheSameBytesAndAnotherSeedChangesEverySeededTask()
    {
        var options = new SuiteOptions(Seed: 7, MaxLength: 200, Documents: 12);
        var first = Files(Write(options).Folder);
        var second = Files(Write(options).Folder);
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (name, bytes) in first) Assert.True(bytes.AsSpan().SequenceEqual(second[name]), name);
        var other = Files(Write(options with { Seed = 8 }).Folder);
        foreach (string task in new[] { "capitals_mc", "sentiment_afinn", "arithmetic_word_problems", "needle_haystack", "long_dialogue_recall" })
            Assert.False(first[$"{task}.test.jsonl"].AsSpan().SequenceEqual(other[$"{task}.test.jsonl"]), task);
        // Tasks with nothing to draw do not depend on the seed.
        Assert.True(first["capitals_qa.test.jsonl"].AsSpan().SequenceEqual(other["capitals_qa.test.jsonl"]));
        Assert.True(first["sotu_bits_per_byte.test.jsonl"].AsSpan().SequenceEqual(other["sotu_bits_per_byte.test.jsonl"]));
    }

    [Fact]
    public void EveryTaskLoadsAndItsHashIsTheManifestsAndFollowsItsData()
    {
        var (folder, written) = Write(new SuiteOptions(MaxLength: 200, Documents: 10));
        Assert.Equal(BuiltInSuite.TaskNames, written.Select(w => w.Name));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, BuiltInSuite.ManifestFile)))!;
        Assert.Equal(BuiltInSuite.TaskNames, manifest["tasks"]!.AsArray().Select(t => (string)t!["task"]!));
        foreach (var task in written)
        {
            var config = TaskConfig.Load(task.YamlPath);
            Assert.Equal(task.Name, config.Name);
            Assert.Equal(task.Hash, TaskContentHash.Compute(config));
            Assert.Equal(task.Hash, (string)manifest["tasks"]!.AsArray().Single(t => (string)t!["task"]! == task.Name)!["hash"]!);
            Assert.Equal(task.Documents, TaskDocuments.Load(config, config.EvaluationSplit).Count);
        }
        Assert.Equal(written.Select(w => w.YamlPath).Order(StringComparer.Ordinal), TaskPaths.Expand([folder]));
        // One changed character in one document changes that task's hash, and only that one.
        string data = Path.Combine(folder, "capitals_qa.test.jsonl");
        File.WriteAllText(data, File.ReadAllText(data).Replace("Montgomery", "Montgomerz"));
        Assert.NotEqual(written[0].Hash, TaskContentHash.Compute(TaskConfig.Load(written[0].YamlPath)));
        Assert.Equal(written[1].Hash, TaskContentHash.Compute(TaskConfig.Load(written[1].YamlPath)));
        // So does a changed setting in the YAML.
        File.AppendAllText(written[1].YamlPath, "num_fewshot: 1\n");
        Assert.NotEqual(written[1].Hash, TaskContentHash.Compute(TaskConfig.Load(written[1].YamlPath)));
    }

    [Fact]
    public void CapitalsComeFromTheSourceAndTheMultipleChoiceHasThreeOtherCapitals()
    {
        var (folder, _) = Write(new SuiteOptions(), "capitals_qa", "capitals_mc");
        var qa = Documents(folder, "capitals_qa");
        Assert.Equal(SuiteFixtures.Capitals.Select(c => (c.State, c.Capital)), qa.Select(d => ((string)d["state"]!, (string)d["capital"]!)));
        var mc = Documents(folder, "capitals_mc");
        Assert.Equal(SuiteFixtures.Capitals.Length, mc.Count);
        var all = SuiteFixtures.Capitals.Select(c => c.Capital).ToHashSet();
        foreach (var doc in mc)
        {
            var choices = doc["choices"]!.AsArray().Select(c => (string)c!).ToList();
            Assert.Equal(4, choices.Distinct().Count());
            Assert.Equal(SuiteFixtures.Capitals.Single(c => c.State == (string)doc["state"]!).Capital, choices[(int)doc["gold"]!]);
            Assert.All(choices, c => Assert.Contains(c, all));
        }
        Assert.True(mc.Select(d => (int)d["gold"]!).Distinct().Count() > 1, "the gold answer is not always in the same place");
        // The task reads the gold index and the four choices back from each document.
        var instances = TaskInstances.Build(TaskConfig.Load(Path.Combine(folder, "capitals_mc.yaml")), null, 1234);
        Assert.Equal(mc.Select(d => (long)(int)d["gold"]!), instances.Select(i => (long)i.Target!));
        Assert.Equal(mc.Select(d => d["choices"]!.AsArray().Select(c => (string)c!).ToList()), instances.Select(i => i.Choices!.ToList()));
    }

    [Fact]
    public void SentimentItemsAreBalancedAndLabelledByTheirValence()
    {
        var (folder, _) = Write(new SuiteOptions(Documents: 21), "sentiment_afinn");
        var docs = Documents(folder, "sentiment_afinn");
        Assert.Equal(21, docs.Count);
        Assert.Equal(10, docs.Count(d => (string)d["label"]! == "negative"));
        Assert.Equal(docs.Count, docs.Select(d => (string)d["text"]!).Distinct().Count());
        foreach (var doc in docs)
        {
            var entry = SuiteFixtures.Afinn.Single(e => e.Text == (string)doc["text"]!);
            Assert.Equal(entry.Valence, (int)doc["valence"]!);
            Assert.True(Math.Abs(entry.Valence) >= 2);
            Assert.Equal(entry.Valence > 0 ? "positive" : "negative", (string)doc["label"]!);
        }
        var error = Assert.Throws<SharpLMException>(() => BuiltInSuite.Generate(new SuiteOptions(Documents: 500), SuiteFixtures.Sources(), ["sentiment_afinn"]));
        Assert.Contains("--documents 500", error.Message);
    }

    [Fact]
    public void ArithmeticAnswersAreRightWhenRecomputedIndependently()
    {
        var (folder, _) = Write(new SuiteOptions(Documents: 60), "arithmetic_word_problems");
        var docs = Documents(folder, "arithmetic_word_problems").Concat(Documents(folder, "arithmetic_word_problems", "train")).ToList();
        Assert.Equal(68, docs.Count);
        var table = new DataTable();
        foreach (var doc in docs)
        {
            string expression = (string)doc["expression"]!, question = (string)doc["question"]!, answer = (string)doc["answer"]!;
            long expected = Convert.ToInt64(table.Compute(expression, null), CultureInfo.InvariantCulture);
            Assert.Equal(expected, (long)doc["result"]!);
            Assert.EndsWith($"\n#### {expected}", answer);
            Assert.True(expected >= 0);
            // Every calculator annotation computes, and the numbers of the expression appear in the question in order.
            foreach (Match step in Regex.Matches(answer, @"<<([^=]+)=(-?\d+)>>"))
                Assert.Equal(long.Parse(step.Groups[2].Value), Convert.ToInt64(table.Compute(step.Groups[1].Value, null), CultureInfo.InvariantCulture));
            int at = 0;
            foreach (Match number in Regex.Matches(expression, @"\d+"))
            {
                var found = Regex.Match(question[at..], $@"(?<![0-9]){number.Value}(?![0-9])");
                Assert.True(found.Success, $"{number.Value} in '{question}'");
                at += found.Index + found.Length;
            }
        }
        Assert.Equal(5, docs.Select(d => Regex.Replace((string)d["expression"]!, @"\d+", "n")).Distinct().Count());
    }

    [Fact]
    public void Gsm8kStrictAndFlexibleExtractionScoreTrickyAnswersAsLmEvalDoes()
    {
        var (folder, written) = Write(new SuiteOptions(Documents: 1), "arithmetic_word_problems");
        var task = TaskConfig.Load(written[0].YamlPath);
        long result = (long)Documents(folder, "arithmetic_word_problems")[0]["result"]!;
        // (response, strict-match, flexible-extract), worked by hand from lm-eval's regexes and exact_match options.
        var cases = new (string Response, double Strict, double Flexible)[]
        {
            ($" Steps.\n#### {result}", 1, 1),
            ($" #### {result:N0}.", 1, 1),                    // thousands separator and a final period are ignored
            ($" The answer is ${result}.", 0, 1),             // no "####": strict fails, the last number matches
            ($" #### {result}\nThen 12 more.", 1, 0),         // strict takes the first "####", flexible the last number
            ($" #### -{result + 1}", 0, 0),
            ($" I am not sure.", 0, 0),                      // neither finds anything: [invalid]
            ($" {result} apples, so 7", 0, 0),                // a lone digit is the last match
        };
        foreach (var (response, strict, flexible) in cases)
        {
            var evaluated = TaskEvaluator.Evaluate(task, new ScriptedModel(generate: _ => response), limit: 1);
            Assert.True(strict == (double)evaluated.Metrics["exact_match,strict-match"]!, $"strict on '{response}'");
            Assert.True(flexible == (double)evaluated.Metrics["exact_match,flexible-extract"]!, $"flexible on '{response}'");
        }
    }

    [Fact]
    public void NeedlesCoverTheGridAndSitAtTheirDepth()
    {
        // Tokens counted as a tokenizer would, roughly a token per four characters; and in words.
        foreach (var options in new[] { new SuiteOptions(MaxLength: 400), new SuiteOptions(MaxLength: 600, CountTokens: t => (t.Length + 3) / 4) })
        {
            var (folder, _) = Write(options, "needle_haystack");
            var docs = Documents(folder, "needle_haystack");
            var cells = docs.Select(d => ((int)d["context_length"]!, (int)d["depth_percent"]!)).ToList();
            var expected = NeedleTask.LengthPercents.SelectMany(l => NeedleTask.DepthPercents.Select(d => ((int)Math.Round(options.MaxLength * l / 100.0), d)));
            Assert.Equal(expected, cells);
            foreach (var doc in docs)
            {
                Assert.Equal(options.LengthUnit, (string)doc["context_length_unit"]!);
                string context = (string)doc["context"]!, key = (string)doc["key"]!, value = (string)doc["value"]!;
                string needle = $"One of the special magic numbers for {key} is: {value}.";
                int at = context.IndexOf(needle, StringComparison.Ordinal);
                Assert.True(at >= 0 && at == context.LastIndexOf(needle, StringComparison.Ordinal));
                Assert.Matches("^[0-9]{7}$", value);
                // The needle's depth, recomputed from the text: the units of the sentences before it, within one sentence of the stated depth.
                var before = Split(context[..at]);
                var all = before.Concat(Split(context[(at + needle.Length)..])).ToList();
                int unitsBefore = before.Sum(s => options.Count(" " + s)), haystack = all.Sum(s => options.Count(" " + s));
                Assert.Equal(unitsBefore, (int)doc["needle_position"]!);
                Assert.Equal(haystack, (int)doc["haystack_length"]!);
                Assert.True(haystack > 0);
                int depth = (int)doc["depth_percent"]!, longest = all.Max(s => options.Count(" " + s));
                Assert.InRange(unitsBefore, depth * haystack / 100.0 - longest, depth * haystack / 100.0);
                if (depth == 0) Assert.Equal(0, at);
                if (depth == 100) Assert.EndsWith(needle, context);
                int prompt = options.Count(NeedleTask.Prompt(context, key));
                Assert.Equal(prompt, (int)doc["prompt_length"]!);
                Assert.True(prompt <= (int)doc["context_length"]! - NeedleTask.MaxGenTokens);
                Assert.True(prompt > (int)doc["context_length"]! * 0.6, "the haystack fills its length");
            }
            // The task renders the prompt the generator measured.
            var task = TaskConfig.Load(Path.Combine(folder, "needle_haystack.yaml"));
            var instance = TaskInstances.Build(task, 1, 1234)[0];
            Assert.Equal(NeedleTask.Prompt((string)docs[0]["context"]!, (string)docs[0]["key"]!), instance.Context);
        }
    }

    private static List<string> Split(string text) =>
        Regex.Split(text.Trim(), @"(?<=[.!?][""'’”)]*)\s+").Where(s => s.Length > 0).ToList();

    [Fact]
    public void TheLatestAddressesAreScoredAndNeverInAHaystack()
    {
        var (folder, _) = Write(new SuiteOptions(MaxLength: 400), "sotu_bits_per_byte", "needle_haystack");
        var scored = Documents(folder, "sotu_bits_per_byte");
        Assert.Equal(Enumerable.Range(2004, 5), scored.Select(d => (int)d["year"]!));
        var addresses = SuiteFixtures.StateOfTheUnion();
        foreach (var doc in scored)
        {
            string text = (string)doc["text"]!;
            Assert.InRange(text.Length, 1, BuiltInSuite.SotuCharacters);
            Assert.StartsWith(text, Regex.Replace(addresses.Single(a => a.Id == (string)doc["id"]!).Text, @"\s+", " "));
            Assert.Matches(@"[.!?]$", text);
        }
        // The fixture's addresses share words, so whole sentences identify them: none of a held-out one's sentences is in a haystack.
        var heldOut = addresses.Where(a => int.Parse(a.Meta!["year"]) >= 2004).SelectMany(a => Split(a.Text)).ToHashSet();
        var older = addresses.Where(a => int.Parse(a.Meta!["year"]) < 2004).SelectMany(a => Split(a.Text)).ToHashSet();
        foreach (var doc in Documents(folder, "needle_haystack"))
            Assert.All(Split((string)doc["context"]!).Where(s => !s.StartsWith("One of the special magic numbers")), s => Assert.True(older.Contains(s) || !heldOut.Contains(s), s));
    }

    [Fact]
    public void TooShortAContextForTheNeedleIsOneSentence()
    {
        var error = Assert.Throws<SharpLMException>(() => Write(new SuiteOptions(MaxLength: 40), "needle_haystack"));
        Assert.StartsWith("--max-length 40 is too short for needle_haystack", error.Message);
    }

    [Fact]
    public void TheDialogueAsksInItsLastTurnForTheFactOfItsFirst()
    {
        var (folder, _) = Write(new SuiteOptions(Documents: 15), "long_dialogue_recall");
        foreach (var doc in Documents(folder, "long_dialogue_recall"))
        {
            var turns = ((string)doc["dialogue"]!).Split('\n').Where(l => l.StartsWith("User: ", StringComparison.Ordinal)).ToList();
            string fact = (string)doc["fact"]!, value = (string)doc["value"]!;
            Assert.Equal($"User: Please remember this: my {fact} is {value}.", turns[0]);
            Assert.Equal($"User: What is my {fact}?", turns[^1]);
            Assert.InRange(turns.Count - 2, DialogueTask.MinFillerTurns, DialogueTask.MaxFillerTurns);
            Assert.Equal(turns.Count, (int)doc["question_turn"]!);
            Assert.Equal(2, Regex.Matches((string)doc["dialogue"]!, $@"\b{value}\b").Count); // stated and echoed, never again
        }
    }

    [Fact]
    public void UnknownTaskNamesAreRefusedNamingTheSuite()
    {
        var error = Assert.Throws<SharpLMException>(() => BuiltInSuite.Generate(new SuiteOptions(), SuiteFixtures.Sources(), ["capitals"]));
        Assert.StartsWith("--tasks: unknown built-in task 'capitals'; the suite has capitals_qa,", error.Message);
    }
}
