namespace SharpLM.Data.Ingest;

/// <summary>
/// One input that could not be turned into a document. Reading goes on after a problem: the record (or file)
/// is skipped and the problem is handed to an <see cref="IInputProblemSink"/> so a run can count and show them.
/// </summary>
/// <param name="Path">The file as the user named it (relative to the base directory, or an npm: package path).</param>
/// <param name="Line">1-based line of a JSONL record, null for problems about a whole file.</param>
/// <param name="Kind">Short snake_case tag (see <see cref="InputProblemKinds"/>) so problems can be counted by kind.</param>
/// <param name="Message">One human-readable sentence.</param>
public sealed record InputProblem(string Path, long? Line, string Kind, string Message)
{
    public override string ToString() => Line is { } line ? $"{Path}:{line}: {Kind}: {Message}" : $"{Path}: {Kind}: {Message}";
}

/// <summary>Receives the problems found while reading inputs. Implementations used from parallel readers must be thread-safe.</summary>
public interface IInputProblemSink
{
    void Report(InputProblem problem);
}

/// <summary>The problem kinds the readers report.</summary>
public static class InputProblemKinds
{
    public const string UnreadableFile = "unreadable_file";
    public const string InvalidJson = "invalid_json";
    public const string MissingTextField = "missing_text_field";
    public const string InvalidEncoding = "invalid_encoding";
    public const string OversizedRecord = "oversized_record";
    public const string InvalidGzip = "invalid_gzip";
    public const string InvalidEmail = "invalid_email";
    public const string NoTextPart = "no_text_part";
    public const string UnsupportedFormat = "unsupported_format";
}

/// <summary>Keeps every problem in memory, in report order; thread-safe. Meant for tests and small runs.</summary>
public sealed class ListProblemSink : IInputProblemSink
{
    private readonly List<InputProblem> _problems = [];

    public void Report(InputProblem problem)
    {
        lock (_problems) _problems.Add(problem);
    }

    public IReadOnlyList<InputProblem> Problems
    {
        get { lock (_problems) return _problems.ToList(); }
    }
}
