using System.Text.Json.Nodes;
using SharpLM.Feedback.Capture;

namespace SharpLM.Cli.Tests;

public class FlywheelVerbTests
{
    private static string Results(string folder, string model, double acc)
    {
        Directory.CreateDirectory(Path.Combine(folder, model));
        string path = Path.Combine(folder, model, "results_2026-01-01T00-00-00.json");
        var results = new JsonObject
        {
            ["model_name"] = model, ["results"] = new JsonObject { ["arc"] = new JsonObject { ["acc,none"] = acc } },
            ["higher_is_better"] = new JsonObject { ["arc"] = new JsonObject { ["acc"] = true } },
        };
        File.WriteAllText(path, results.ToJsonString());
        return path;
    }

    [Fact]
    public void Compare_exits_0_with_either_decision_and_2_on_a_bad_file()
    {
        string root = CliProcess.TempDirectory();
        string old = Results(root, "old", 0.5), worse = Results(root, "worse", 0.4);
        var result = CliProcess.Run("flywheel", "compare", "--old", old, "--new", worse, "--out", Path.Combine(root, "card"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("decision: DO NOT PROMOTE", result.Output);
        Assert.Equal("DO NOT PROMOTE", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(root, "card", "scorecard.json")))!["decision"]!);

        File.WriteAllText(worse, "{\"model_name\":\"worse\"}");
        var bad = CliProcess.Run("flywheel", "compare", "--old", old, "--new", worse, "--out", Path.Combine(root, "card"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains($"sharplm: error: {worse}: field 'results' is missing", bad.Error);
    }

    private static string Capture(string root)
    {
        string path = Path.Combine(root, "capture.db");
        using var store = CaptureStore.Open(path, create: true);
        for (int i = 0; i < 4; i++)
        {
            CapturedMessage[] prompt = [new("user", $"Where does the whale {i} sail?")];
            store.RecordFeedback(new RatingFeedback($"c{i}", null, "tiny", prompt, "the deck", 1, "The whale sails the sea."), CaptureIdentity.Anonymous);
            store.RecordFeedback(new RatingFeedback($"d{i}", null, "tiny", [new("user", $"Who watches the mast {i}?")], "the ship", -1, "Ahab watches the mast."), CaptureIdentity.Anonymous);
            store.RecordFeedback(new PairwiseFeedback($"p{i}", [new("user", $"Name the captain {i}.")], new("tiny", "Ahab."), new("other", "the sea sea."), "a"), CaptureIdentity.Anonymous);
        }
        return path;
    }

    [Fact]
    public void Run_builds_trains_evaluates_and_decides_then_skips_every_finished_stage()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), output = Path.Combine(root, "turn");
        File.WriteAllText(Path.Combine(root, "arc_tiny.yaml"), """
            task: arc_tiny
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: arc_test.jsonl
            output_type: multiple_choice
            test_split: test
            doc_to_text: "Question: {{question}}\nAnswer:"
            doc_to_target: "{{choices.label.index(answerKey)}}"
            doc_to_choice: "{{choices.text}}"
            metric_list:
              - metric: acc
            metadata:
              version: 1.0
            """);
        File.WriteAllText(Path.Combine(root, "arc_test.jsonl"),
            """{"question": "the whale", "choices": {"text": ["sails", "the ship"], "label": ["A", "B"]}, "answerKey": "B"}""" + "\n" +
            """{"question": "the ship", "choices": {"text": ["watches", "sea"], "label": ["A", "B"]}, "answerKey": "A"}""" + "\n");
        // The tiny model's context is 64 tokens, too short for the shipped probes, so the safety stage gets short ones.
        string probes = Path.Combine(root, "probes.jsonl"), transforms = Path.Combine(root, "transforms.jsonl");
        File.WriteAllText(probes, """
            {"id": "u1", "category": "S9", "prompt": "the whale storm", "benign": "the whale calm"}
            {"id": "u2", "category": "S2", "prompt": "the ship deck", "benign": "the ship mast"}
            """);
        File.WriteAllText(transforms, """{"name": "plain", "turns": ["{prompt}"]}""" + "\n");
        string[] arguments = ["flywheel", "run", "--db", Capture(root), "--model", model, "--sealed", Path.Combine(root, "arc_tiny.yaml"), "--out", output,
            "--sft-steps", "2", "--dpo-steps", "2", "--batch-size", "2", "--lora-rank", "2", "--threads", "1",
            "--safety-probes", probes, "--safety-transforms", transforms];
        var first = CliProcess.Run(arguments);
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        foreach (string stage in new[] { "data", "sft", "dpo", "eval", "safety", "scorecard" })
            Assert.True(File.Exists(Path.Combine(output, stage + ".done")), stage);
        Assert.True(File.Exists(Path.Combine(output, "dpo", "model", "config.json")));
        var card = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "scorecard", "scorecard.json")))!;
        Assert.Contains((string)card["decision"]!, new[] { "PROMOTE", "DO NOT PROMOTE" });
        var checks = card["checks"]!.AsArray();
        Assert.Contains(checks, c => (string)c!["rule"]! == "sealed_task" && (string)c["subject"]! == "arc_tiny");
        Assert.Contains(checks, c => (string)c!["rule"]! == "failure_set");
        // The safety rows compare the two red-team runs' results.json, read back independently here.
        foreach (var (rule, field) in new[] { ("attack_success_rate", "attack_success"), ("over_refusal", "over_refusal") })
        {
            var row = checks.Single(c => (string)c!["rule"]! == rule)!;
            foreach (string side in new[] { "old", "new" })
            {
                var results = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "safety", side, "results.json")))!;
                Assert.Equal(2, (int)results[field]!["total"]!); // 2 probes under 1 transform; 2 benign twins
                Assert.Equal((double)results[field]!["rate"]!, (double)row[side]!, 12);
            }
            Assert.True(File.Exists(Path.Combine(output, "safety", "new", "safety-card.md")));
        }
        Assert.Contains($"decision: {(string)card["decision"]!}", first.Output);

        var second = CliProcess.Run(arguments);
        Assert.True(second.ExitCode == 0, second.Error + second.Output);
        Assert.Equal(6, second.Output.Split('\n').Count(l => l.Contains("finished earlier; skipped")));
        Assert.Contains($"decision: {(string)card["decision"]!}", second.Output);
    }
}
