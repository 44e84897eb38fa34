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
    public void NeedsExactlyOneOfModelAndEndpoint()
    {
        string folder = CliProcess.TempDirectory();
        string task = ArcTask(folder);
        foreach (var extra in new[] { Array.Empty<string>(), ["--model", TinyModelFolder.Create(), "--endpoint", "http://127.0.0.1:9"] })
        {
            var result = CliProcess.Run(["eval", "run", "--tasks", task, "--out", Path.Combine(folder, "out"), .. extra]);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("sharplm: error: eval run needs exactly one of --model (a model folder) and --endpoint (a server's address).", result.Error);
        }
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
