using System.Diagnostics;

namespace SharpLM.Tests;

/// <summary>A test that needs node and npm on PATH, skipped with that reason where they are absent.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeTool.Find("node") is null || NodeTool.Find("npm") is null)
            Skip = "node and npm are not on PATH, so the npm package this test checks against cannot run; install Node.js to run it.";
    }
}

/// <summary>node and npm as processes, for the tests that check the project against npm packages (the openai SDK, franc).</summary>
public static class NodeTool
{
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists);

    /// <summary>Runs a program in a folder and returns what it printed; a non-zero exit fails the test with its error output.</summary>
    public static async Task<string> RunAsync(string program, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Find(program)!) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}");
        return await output;
    }
}
