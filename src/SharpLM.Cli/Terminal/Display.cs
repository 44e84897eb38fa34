using Spectre.Console;

namespace SharpLM.Cli.Terminal;

/// <summary>
/// Progress for long work. On an interactive terminal it draws Spectre.Console progress bars; when output is
/// redirected (logs, CI) it prints a plain line at most every few seconds instead, so logs stay readable.
/// </summary>
public static class Display
{
    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static T Progress<T>(string description, double maxValue, Func<IProgressSink, T> work)
    {
        if (!Interactive)
        {
            var sink = new LineProgressSink(description, maxValue);
            var result = work(sink);
            sink.Finish();
            return result;
        }
        return AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, maxValue));
                var result = work(new SpectreProgressSink(task, description));
                task.Value = task.MaxValue;
                return result;
            });
    }

    /// <summary>A line of information; plain (never wrapped) when output goes to a log.</summary>
    public static void Info(string text)
    {
        if (Interactive) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
        else Console.WriteLine(text);
    }

    public static void Heading(string text) => AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(text)}[/]") { Justification = Justify.Left });
}

public interface IProgressSink
{
    void Report(double value, string? detail = null);
}

internal sealed class SpectreProgressSink(ProgressTask task, string description) : IProgressSink
{
    public void Report(double value, string? detail = null)
    {
        task.Value = Math.Min(value, task.MaxValue);
        task.Description = Markup.Escape(detail is null ? description : $"{description} {detail}");
    }
}

internal sealed class LineProgressSink(string description, double maxValue) : IProgressSink
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private double _lastPrint = double.NegativeInfinity;
    private string? _lastDetail;

    public void Report(double value, string? detail = null)
    {
        _lastDetail = detail;
        double now = _clock.Elapsed.TotalSeconds;
        if (now - _lastPrint < 5) return;
        _lastPrint = now;
        string fraction = maxValue > 0 ? $" {100 * value / maxValue,5:F1}%" : "";
        Console.WriteLine($"[{now,6:F1}s] {description}{fraction} {detail}".TrimEnd());
    }

    public void Finish() => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {description} done {_lastDetail}".TrimEnd());
}
