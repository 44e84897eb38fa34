using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using SharpLM.Core;
using Spectre.Console;

namespace SharpLM.Cli.Terminal;

/// <summary>
/// Runs a command's body and turns failures into exit codes: a user error (bad input, missing file, no npm)
/// prints one line and exits 2; anything else is a defect and prints its full trace and exits 70.
/// </summary>
public static class CliRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            switch (Cause(e))
            {
                case var cause when IsUserError(cause):
                    PrintError(cause.Message);
                    return 2;
                case OperationCanceledException:
                    PrintError("cancelled.");
                    return 130;
                default:
                    Console.Error.WriteLine($"sharplm: internal error: {e}");
                    return 70;
            }
        }
    }

    private static bool IsUserError(Exception e) => e is SharpLMException or UnauthorizedAccessException or IOException;

    /// <summary>
    /// The exception to judge: parallel loops, reflection and static constructors wrap what the work threw. A wrapper
    /// of user errors only (with cancellations of the sibling work they caused) stands for its first user error; one
    /// that holds anything else is a defect and keeps its whole trace.
    /// </summary>
    private static Exception Cause(Exception e)
    {
        switch (e)
        {
            case TargetInvocationException or TypeInitializationException when e.InnerException is { } inner:
                return Cause(inner);
            case AggregateException aggregate:
                var causes = aggregate.Flatten().InnerExceptions.Select(Cause).ToList();
                if (causes.Count == 0 || !causes.All(c => IsUserError(c) || c is OperationCanceledException)) return e;
                return causes.FirstOrDefault(IsUserError) ?? causes[0];
            default:
                return e;
        }
    }

    /// <summary>
    /// A command line the parser rejects (unknown verb or option, missing or malformed value) is a user mistake like
    /// any other: its first problem on one line, exit 2.
    /// </summary>
    public static int ParseError(ParseResult parsed)
    {
        // "Required command was not provided" also accompanies an unknown verb; the unknown verb is the news.
        var error = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) ?? parsed.Errors[0];
        string[] lines = error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string problem = (lines[0] + (lines.Length > 1 ? " " + string.Join(", ", lines[1..]) : "")).TrimEnd('.');
        foreach (var (type, words) in TypeWords) problem = problem.Replace($"expected type '{type}'", words, StringComparison.Ordinal);
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, result.Parent is null ? "sharplm" : result.Command.Name);
        string command = string.Join(' ', names);
        PrintError($"{problem} (see '{command} --help').");
        return 2;
    }

    private static readonly (string Type, string Words)[] TypeWords =
    [
        ("System.Int32", "an integer"), ("System.Int64", "an integer"), ("System.Double", "a number"), ("System.Boolean", "true or false"),
        ("System.Nullable`1[System.Int32]", "an integer"), ("System.Nullable`1[System.Int64]", "an integer"),
    ];

    public static void PrintError(string message) =>
        Console.Error.WriteLine($"sharplm: error: {message}");

    /// <summary>Parses a JSON array of integers given on the command line.</summary>
    public static int[] ParseIdList(string text, string optionName)
    {
        try
        {
            return JsonSerializer.Deserialize<int[]>(text) ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new SharpLMException($"option {optionName}: expected a JSON array of integers such as [15496, 995], got '{text}'.");
        }
    }
}
