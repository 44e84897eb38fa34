using System.Diagnostics;

namespace SharpLM.Cli.Tests;

/// <summary>Runs the built sharplm command in a child process, as a user would.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "sharplm.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        return new Result(process.ExitCode, output, error.Result);
    }

    public static string TempDirectory() => Directory.CreateTempSubdirectory("sharplm-cli-").FullName;
}
