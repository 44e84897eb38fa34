using System.Text.Json.Nodes;

namespace SharpLM.Cli.Tests;

public class EvalRunTests
{
    private static string ArcTask(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "arc_tiny.yaml"), """
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
              - metric: acc_norm
            metadata:
              version: 1.0
            """);
        File.WriteAllText(Path.Combine(folder, "arc_test.jsonl"),
            """{"question": "the whale", "choices": {"text": ["sails", "the ship"], "label": ["A", "B"]}, "answerKey": "B"}""" + "\n" +
            """{"question": "the ship", "choices": {"text": ["watches", "sea"], "label": ["A", "B"]}, "answerKey": "A"}""" + "\n" +
            """{"question": "Ahab", "choices": {"text": ["harpoon", "deck", "mast"], "label": ["A", "B", "C"]}, "answerKey": "C"}""" + "\n");
        return Path.Combine(folder, "arc_tiny.yaml");
    }

    [Fact]
    public void WritesLmEvalShapedResultsAndSamples()
    {
        string model = TinyModelFolder.Create();
        string folder = CliProcess.TempDirectory();
        string output = Path.Combine(folder, "out");
        var result = CliProcess.Run("eval", "run", "--model", model, "--tasks", ArcTask(folder), "--out", output, "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        string modelFolder = Assert.Single(Directory.GetDirectories(output));
        string resultsPath = Assert.Single(Directory.GetFiles(modelFolder, "results_*.json"));
        var json = JsonNode.Parse(File.ReadAllText(resultsPath))!;
        var task = json["results"]!["arc_tiny"]!;
        double acc = (double)task["acc,none"]!;
        Assert.Contains(acc, new[] { 0.0, 1.0 / 3, 2.0 / 3, 1.0 });
        Assert.NotNull(task["acc_norm_stderr,none"]);
        Assert.Equal(3, (int)json["n-samples"]!["arc_tiny"]!["effective"]!);
        Assert.Equal(64, ((string)json["task_hashes"]!["arc_tiny"]!).Length);
        string samplesPath = Assert.Single(Directory.GetFiles(modelFolder, "samples_arc_tiny_*.jsonl"));
        var samples = File.ReadAllLines(samplesPath).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(3, samples.Count);
        Assert.Equal(acc, samples.Average(s => (double)s["acc"]!), 1e-12);
        Assert.Equal("Question: the whale\nAnswer:", (string)samples[0]["arguments"]!["gen_args_0"]!["arg_0"]!);
        Assert.Equal(" the ship", (string)samples[0]["arguments"]!["gen_args_1"]!["arg_1"]!);
    }

    [Fact]
    public void NeedsAModelOrAnEndpointAndAModelNameNeedsOneEndpoint()
    {
        string folder = CliProcess.TempDirectory();
        string task = ArcTask(folder);
        var none = CliProcess.Run("eval", "run", "--tasks", task, "--out", Path.Combine(folder, "out"));
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("sharplm: error: eval run needs at least one --model (a model folder) or --endpoint (a server's address).", none.Error);
        var named = CliProcess.Run("eval", "run", "--tasks", task, "--out", Path.Combine(folder, "out"), "--model-name", "m",
            "--endpoint", "http://127.0.0.1:9", "--endpoint", "http://127.0.0.1:10");
        Assert.Equal(2, named.ExitCode);
        Assert.Contains("sharplm: error: --model-name names the model of one --endpoint; give exactly one --endpoint with it.", named.Error);
    }

    [Fact]
    public void SeveralModelsGetAFolderEachAReportComparingThemAndARerunReusesEveryAnswer()
    {
        string folder = CliProcess.TempDirectory();
        string modelA = Path.Combine(folder, "model-a"), modelB = Path.Combine(folder, "model-b");
        Directory.Move(TinyModelFolder.Create(), modelA);
        Directory.Move(TinyModelFolder.Create(tensors => tensors.Select(t => t.Name.EndsWith("norm.weight") ? Core.Formats.Safetensors.SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Repeat(0.5f, (int)t.Shape[0]).ToArray()) : t).ToList()), modelB);
        string output = Path.Combine(folder, "out"), task = ArcTask(folder);
        string[] command = ["eval", "run", "--model", modelA, "--model", modelB, "--tasks", task, "--out", output, "--threads", "1"];
        var first = CliProcess.Run(command);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        JsonNode Results(string model) => JsonNode.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(output, model), "results_*.json").Max()!))!;
        var before = new[] { Results("model-a"), Results("model-b") };
        Assert.Equal("model-b", (string)before[1]["model_name"]!);
        // Three documents of 2, 2 and 3 choices: seven requests per model, each cached as it completed.
        Assert.Equal(7, File.ReadAllLines(Path.Combine(output, "model-a", "requests.jsonl")).Length);
        Assert.Equal(7, File.ReadAllLines(Path.Combine(output, "model-b", "requests.jsonl")).Length);
        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        foreach (var (model, results) in new[] { ("model-a", before[0]), ("model-b", before[1]) })
            Assert.Contains($"| {model} | acc | none | {((double)results["results"]!["arc_tiny"]!["acc,none"]!).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)} |", md);
        Assert.True(File.Exists(Path.Combine(output, "comparison.png")));
        Assert.Contains("data:image/png;base64,", File.ReadAllText(Path.Combine(output, "report.html")));

        var second = CliProcess.Run(command);
        Assert.True(second.ExitCode == 0, second.Output + second.Error);
        Assert.Contains("model-a: 7 answers cached by an earlier run are reused", second.Output);
        for (int m = 0; m < 2; m++)
            Assert.Equal(before[m]["results"]!.ToJsonString(), Results(m == 0 ? "model-a" : "model-b")["results"]!.ToJsonString());
        var events = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var models = events.Where(e => (string)e["event"]! == "eval_model").ToList();
        Assert.Equal(4, models.Count);
        Assert.Equal([7, 7, 0, 0], models.Select(e => (int)e["requests_computed"]!));
        Assert.Equal([0, 0, 7, 7], models.Select(e => (int)e["requests_cached"]!));
        Assert.Equal(4, events.Count(e => (string)e["event"]! == "eval_task" && (int)e["documents"]! == 3));

        // The same card from the results files alone.
        string card = Path.Combine(folder, "card");
        var report = CliProcess.Run("eval", "report", "--results", Directory.GetFiles(Path.Combine(output, "model-a"), "results_*.json")[0],
            "--results", Directory.GetFiles(Path.Combine(output, "model-b"), "results_*.json")[0], "--out", card);
        Assert.True(report.ExitCode == 0, report.Output + report.Error);
        Assert.Contains("| model-b | acc | none |", File.ReadAllText(Path.Combine(card, "report.md")));
        var missing = CliProcess.Run("eval", "report", "--results", Path.Combine(folder, "nope.json"), "--out", card);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("sharplm: error:", missing.Error);
        Assert.Contains("nope.json", missing.Error);
    }

    [Fact]
    public void AnOutputFolderAnotherProcessWritesIsRefused()
    {
        string folder = CliProcess.TempDirectory(), output = Path.Combine(folder, "out");
        using var claim = Core.IO.FolderLock.Acquire(output);
        var result = CliProcess.Run("eval", "run", "--model", TinyModelFolder.Create(), "--tasks", ArcTask(folder), "--out", output);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("another sharplm process is writing to this folder", result.Error);
        Assert.False(File.Exists(Path.Combine(output, "model", "requests.jsonl")));
    }

    [Fact]
    public void TwoModelsWithOneFolderNameAreRefused()
    {
        string folder = CliProcess.TempDirectory();
        var result = CliProcess.Run("eval", "run", "--model", TinyModelFolder.Create(), "--model", TinyModelFolder.Create(), "--tasks", ArcTask(folder),
            "--out", Path.Combine(folder, "out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sharplm: error: --model: two models would write to the same folder 'model' under --out; evaluate them into different --out folders.", result.Error);
    }

    [Fact]
    public void AnUnreachableEndpointIsAUserError()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        string folder = CliProcess.TempDirectory();
        var result = CliProcess.Run("eval", "run", "--endpoint", $"http://127.0.0.1:{port}/v1", "--model-name", "m", "--tasks", ArcTask(folder), "--out", Path.Combine(folder, "out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"sharplm: error: cannot reach the endpoint http://127.0.0.1:{port}:", result.Error);
    }

    [Fact]
    public void GenerationAndRollingTasksRunOnTheEngine()
    {
        string model = TinyModelFolder.Create();
        string folder = CliProcess.TempDirectory();
        File.WriteAllText(Path.Combine(folder, "gen.yaml"), """
            task: gen
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: gen.jsonl
            output_type: generate_until
            test_split: test
            doc_to_text: "{{prompt}}"
            doc_to_target: "{{answer}}"
            generation_kwargs:
              until: ["."]
              max_gen_toks: 8
            metric_list:
              - metric: exact_match
                ignore_case: true
            """);
        File.WriteAllText(Path.Combine(folder, "gen.jsonl"), "{\"prompt\": \"the whale\", \"answer\": \"sails\"}\n{\"prompt\": \"Ahab\", \"answer\": \"watches\"}\n");
        File.WriteAllText(Path.Combine(folder, "roll.yaml"), """
            task: roll
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: roll.json
            output_type: loglikelihood_rolling
            test_split: test
            doc_to_text: ""
            doc_to_target: "{{page}}"
            metric_list:
              - metric: word_perplexity
              - metric: bits_per_byte
            """);
        File.WriteAllText(Path.Combine(folder, "roll.json"), "[{\"page\": \"the whale sails the sea and the ship sails\"}]");
        string output = Path.Combine(folder, "out");
        var result = CliProcess.Run("eval", "run", "--model", model, "--tasks", Path.Combine(folder, "gen.yaml"), Path.Combine(folder, "roll.yaml"),
            "--out", output, "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        string modelFolder = Assert.Single(Directory.GetDirectories(output));
        var json = JsonNode.Parse(File.ReadAllText(Assert.Single(Directory.GetFiles(modelFolder, "results_*.json"))))!;
        double exact = (double)json["results"]!["gen"]!["exact_match,none"]!;
        Assert.InRange(exact, 0, 1);
        double bitsPerByte = (double)json["results"]!["roll"]!["bits_per_byte,none"]!;
        Assert.True(bitsPerByte > 0 && double.IsFinite(bitsPerByte));
        Assert.Equal("N/A", (string)json["results"]!["roll"]!["bits_per_byte_stderr,none"]!);
        Assert.Single(Directory.GetFiles(modelFolder, "samples_gen_*.jsonl"));
    }

    [Fact]
    public void UnsupportedTaskKeyFailsBeforeTheModelLoads()
    {
        string folder = CliProcess.TempDirectory();
        string path = ArcTask(folder);
        File.AppendAllText(path, "\nprocess_docs: !function utils.process_docs\n");
        var result = CliProcess.Run("eval", "run", "--model", "/no/such/model", "--tasks", path, "--out", Path.Combine(folder, "out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("process_docs", result.Error);
        Assert.Contains("arc_tiny.yaml", result.Error);
    }
}
