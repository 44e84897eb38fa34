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
        catch (SharpLMException e)
        {
            PrintError(e.Message);
            return 2;
        }
        catch (TypeInitializationException e) when (e.InnerException is SharpLMException inner)
        {
            PrintError(inner.Message);
            return 2;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            PrintError(e.Message);
            return 2;
        }
        catch (OperationCanceledException)
        {
            PrintError("cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"sharplm: internal error: {e}");
            return 70;
        }
    }

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
