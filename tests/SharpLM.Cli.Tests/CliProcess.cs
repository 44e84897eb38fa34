using System.Diagnostics;

namespace SharpLM.Cli.Tests;

/// <summary>Runs the built sharplm command in a child process, as a user would.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] arguments) => RunWithInput(null, arguments);

    /// <summary>Runs the command with extra environment variables (e.g. SHARPLM_CACHE pointing at prepared packages).</summary>
    public static Result RunWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunWithInput(null, arguments, environment);

    /// <summary>Runs the command with <paramref name="input"/> on its standard input (closed afterwards).</summary>
    public static Result RunWithInput(string? input, params string[] arguments) => RunWithInput(input, arguments, null);

    /// <summary>Runs the command in <paramref name="directory"/> (for verbs that write files into the current folder).</summary>
    public static Result RunIn(string directory, params string[] arguments) => RunWithInput(null, arguments, null, directory);

    private static Result RunWithInput(string? input, string[] arguments, IReadOnlyDictionary<string, string>? environment, string? directory = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "sharplm.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        if (directory is not null) start.WorkingDirectory = directory;
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        return new Result(process.ExitCode, output, error.Result);
    }

    /// <summary>Starts the command without waiting (for tests that interrupt it); output is discarded.</summary>
    public static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sharplm.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static string TempDirectory() => Directory.CreateTempSubdirectory("sharplm-cli-").FullName;
}
