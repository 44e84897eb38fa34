using System.Text.Json;
using SharpLM.Tests;

namespace SharpLM.Serving.Tests;

/// <summary>
/// The official openai npm package, installed with npm into a folder of its own next to the test assembly, run by
/// node against the fixture's server (NodeClient/client.mjs); this test asserts on the JSON the script prints.
/// </summary>
[Collection("server")]
public class NodeSdkTests(ServerFixture fixture)
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "NodeClient");

    // Once per test run, so tests that start node at the same time never run npm in the same folder together.
    private static readonly Lazy<Task> Install = new(() => File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json"))
        ? Task.CompletedTask
        : NodeTool.RunAsync("npm", Folder, "ci", "--no-audit", "--no-fund", "--loglevel=error"));

    /// <summary>Installs the openai package next to the scripts, once per test run.</summary>
    public static Task InstallAsync() => Install.Value;

    /// <summary>Runs one of NodeClient's scripts with node (the openai package installed first); returns what it printed.</summary>
    public static async Task<string> RunScriptAsync(string script, params string[] arguments)
    {
        await InstallAsync();
        return await NodeTool.RunAsync("node", Folder, [script, .. arguments]);
    }

    [NodeFact]
    public async Task The_openai_npm_package_works_against_the_server()
    {
        string json = await RunScriptAsync("client.mjs", new Uri(fixture.Address, "/v1").ToString(), ServerFixture.Key);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        var chat = root.GetProperty("chat");
        Assert.Equal("assistant", chat.GetProperty("role").GetString());
        Assert.Contains(chat.GetProperty("finish").GetString(), new[] { "stop", "length" });
        var usage = chat.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());

        var stream = root.GetProperty("stream");
        Assert.Equal(chat.GetProperty("text").GetString(), stream.GetProperty("text").GetString());
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), stream.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(chat.GetProperty("finish").GetString(), stream.GetProperty("finish").GetString());

        var logprobs = root.GetProperty("logprobs");
        var scored = logprobs.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(logprobs.GetProperty("tokens").GetInt32(), scored.Count);
        Assert.All(scored, t => Assert.True(t.GetProperty("logprob").GetDouble() <= 0 && t.GetProperty("top").GetInt32() == 2));

        using (var structured = JsonDocument.Parse(root.GetProperty("json_schema").GetProperty("text").GetString()!))
        {
            Assert.True(structured.RootElement.GetProperty("ship").GetString()!.Length <= 8);
            Assert.True(structured.RootElement.GetProperty("mast").TryGetInt64(out _));
            Assert.Equal(2, structured.RootElement.EnumerateObject().Count());
        }

        var tool = root.GetProperty("tool");
        Assert.Equal("tool_calls", tool.GetProperty("finish").GetString());
        Assert.Equal(JsonValueKind.Null, tool.GetProperty("content").ValueKind);
        var call = Assert.Single(tool.GetProperty("calls").EnumerateArray());
        Assert.Equal("function", call.GetProperty("type").GetString());
        using (var arguments = JsonDocument.Parse(call.GetProperty("arguments").GetString()!))
        {
            var keys = arguments.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(call.GetProperty("name").GetString() switch { "add" => ["a", "b"], "shout" => ["word"], var other => [$"unexpected function {other}"] }, keys);
        }

        var n = root.GetProperty("n").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], n.Select(c => c.GetProperty("index").GetInt32()));
        Assert.True(n.Select(c => c.GetProperty("text").GetString()).Distinct().Count() > 1);

        var stop = root.GetProperty("stop");
        string full = stop.GetProperty("full").GetString()!, cut = stop.GetProperty("stop").GetString()!;
        Assert.Equal(full[..full.IndexOf(cut, StringComparison.Ordinal)], stop.GetProperty("text").GetString());
        Assert.Equal("stop", stop.GetProperty("finish").GetString());

        var seed = root.GetProperty("seed");
        Assert.Equal(seed.GetProperty("first").GetString(), seed.GetProperty("again").GetString());
        Assert.NotEqual(seed.GetProperty("first").GetString(), seed.GetProperty("other").GetString());

        var model = Assert.Single(root.GetProperty("models").EnumerateArray());
        Assert.Equal("tiny", model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
    }
}
