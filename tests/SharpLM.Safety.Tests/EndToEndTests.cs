using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using OpenAI;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Judges;
using SharpLM.Safety.Reports;
using SharpLM.Safety.Running;
using SharpLM.Safety.Transforms;
using SharpLM.Serving;
using SharpLM.Serving.Clients;

namespace SharpLM.Safety.Tests;

/// <summary>A small red-team run on a tiny model, in-process and through a real server on loopback: the same answers, the same report.</summary>
public class EndToEndTests
{
    private static readonly RedTeamOptions Options = new() { Concurrency = 2, MaxOutputTokens = 6, Temperature = 0, Seed = 7 };

    private static (IReadOnlyList<Probe>, IReadOnlyList<IAttackTransform>) Subset()
    {
        var all = ProbeCatalogue.LoadBuiltin();
        var probes = new[] { all.First(p => p.Category == "S2"), all.First(p => p.Category == "S11") };
        var transforms = TransformFile.LoadBuiltin().Where(t => t.Name is "plain" or "base64" or "system_prompt_extraction" or "multi_turn").ToList<IAttackTransform>();
        return (probes, transforms);
    }

    [Fact]
    public async Task A_run_in_process_and_over_http_gives_the_same_report()
    {
        var (probes, transforms) = Subset();
        string local = Directory.CreateTempSubdirectory("sharplm-redteam-").FullName;
        var progress = new List<(int, int)>();
        using (var client = SharpLMChatClient.Load(TinyModel.Directory, slots: 2, threads: 1))
            await RedTeam.RunAsync(client, "tiny", probes, transforms, null, Options, local, (d, t) => { lock (progress) progress.Add((d, t)); });

        int expected = probes.Count * (transforms.Count + 1);
        var attempts = AttemptLog.Read(Path.Combine(local, RedTeam.AttemptsFile));
        Assert.Equal(expected, attempts.Count);
        Assert.Contains((expected, expected), progress);
        Assert.All(attempts.Where(a => a.Transform == "multi_turn"), a => Assert.Equal(3, a.Responses.Count));
        Assert.All(attempts.Where(a => a.Transform == "system_prompt_extraction"), a => Assert.NotNull(a.CanaryLeaked));

        // Re-judge every attempt independently and recount what the report says.
        var mitigation = RefusalStringJudge.MitigationBypass();
        var evals = ReportLines(local).Where(l => l.GetProperty("entry_type").GetString() == "eval").ToList();
        foreach (var transform in transforms)
        {
            var record = evals.Single(e => e.GetProperty("probe").GetString() == "sharplm." + transform.Name && e.GetProperty("detector").GetString() == "detector.mitigation.MitigationBypass");
            var mine = attempts.Where(a => !a.Benign && a.Transform == transform.Name).ToList();
            Assert.Equal(mine.Count(a => mitigation.IsRefusal(a.Responses[^1])), record.GetProperty("passed").GetInt32());
            Assert.Equal(mine.Count(a => !mitigation.IsRefusal(a.Responses[^1])), record.GetProperty("fails").GetInt32());
            Assert.Equal(mine.Count, record.GetProperty("total_evaluated").GetInt32());
            Assert.Equal(0, record.GetProperty("nones").GetInt32());
        }
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(local, RedTeam.ResultsFile)));
        Assert.Equal(attempts.Count(a => !a.Benign), results.RootElement.GetProperty("attack_success").GetProperty("total").GetInt32());
        Assert.Equal(attempts.Count(a => !a.Benign && a.Hit), results.RootElement.GetProperty("attack_success").GetProperty("count").GetInt32());
        Assert.Contains("| S11 Suicide & Self-Harm |", File.ReadAllText(Path.Combine(local, "safety-card.md")));
        string html = File.ReadAllText(Path.Combine(local, "safety-card.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Equal(3, html.Split("src=\"data:image/png;base64,").Length - 1); // self-contained: the charts travel inside
        foreach (string chart in new[] { SafetyCharts.CategoriesFile, SafetyCharts.TransformsFile, SafetyCharts.HeatMapFile })
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(local, chart))[..4]);
        Assert.Contains($"]({SafetyCharts.HeatMapFile})", File.ReadAllText(Path.Combine(local, "safety-card.md")));

        // The same run through a real server's OpenAI endpoint: greedy answers agree, so the report does too.
        string keys = Path.Combine(Directory.CreateTempSubdirectory().FullName, "keys");
        File.WriteAllText(keys, "sk-safety-test\n");
        await using var server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = TinyModel.Directory, ModelId = "tiny", Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1 },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        var http = new OpenAIClient(new ApiKeyCredential("sk-safety-test"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1") }).GetChatClient("tiny").AsIChatClient();
        string remote = Directory.CreateTempSubdirectory("sharplm-redteam-http-").FullName;
        await RedTeam.RunAsync(http, "tiny", probes, transforms, null, Options, remote);
        var remoteAttempts = AttemptLog.Read(Path.Combine(remote, RedTeam.AttemptsFile)).ToDictionary(a => a.Key);
        foreach (var a in attempts) Assert.Equal(a.Responses, remoteAttempts[a.Key].Responses);
        Assert.Equal(File.ReadAllText(Path.Combine(local, RedTeam.ResultsFile)), File.ReadAllText(Path.Combine(remote, RedTeam.ResultsFile)));
    }

    [Fact]
    public async Task A_stopped_run_resumes_and_sends_only_what_is_missing()
    {
        var (probes, transforms) = Subset();
        string folder = Directory.CreateTempSubdirectory("sharplm-redteam-resume-").FullName;
        using var client = SharpLMChatClient.Load(TinyModel.Directory, slots: 2, threads: 1);
        var counting = new CountingClient(client);
        await RedTeam.RunAsync(counting, "tiny", probes, transforms, null, Options, folder);
        int full = counting.Calls;
        string log = Path.Combine(folder, RedTeam.AttemptsFile);
        var lines = File.ReadAllLines(log);
        // Keep all but the last attempt and tear the last line in half, as a kill during the write would.
        File.WriteAllText(log, string.Join("\n", lines[..^2]) + "\n" + lines[^2][..(lines[^2].Length / 2)]);
        counting.Calls = 0;
        await RedTeam.RunAsync(counting, "tiny", probes, transforms, null, Options, folder);
        Assert.InRange(counting.Calls, 2, 6); // two attempts again, each one to three turns
        Assert.True(counting.Calls < full);
        Assert.Equal(probes.Count * (transforms.Count + 1), AttemptLog.Read(log).Count);
    }

    private static IEnumerable<JsonElement> ReportLines(string folder) =>
        File.ReadAllLines(Path.Combine(folder, RedTeam.ReportFile)).Select(l => JsonDocument.Parse(l).RootElement);

    /// <summary>Counts the calls that reach the real client.</summary>
    private sealed class CountingClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public int Calls;

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
