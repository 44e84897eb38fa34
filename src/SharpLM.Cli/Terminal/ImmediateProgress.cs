namespace SharpLM.Cli.Terminal;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread, one report at a time. .NET's
/// <see cref="Progress{T}"/> posts each report to the thread pool when there is no synchronization context (as in
/// a console program), so a late report could print after the stage's final line, or two could print at once.
/// </summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate) report(value);
    }
}
