using SharpLM.Data.Ingest;

namespace SharpLM.Data.Pipeline;

/// <summary>Collects the input problems readers report (in reading order) until the unit of work they belong to is committed.</summary>
public sealed class ProblemCollector : IInputProblemSink
{
    private readonly List<ProblemEntry> _problems = new();

    /// <summary>While true, reports are dropped (input being skipped on resume, or read twice to learn boilerplate).</summary>
    public bool Muted { get; set; }

    public int Count => _problems.Count;

    public void Report(InputProblem problem)
    {
        if (!Muted) _problems.Add(new ProblemEntry(problem.Path, problem.Line, problem.Kind, problem.Message));
    }

    public List<ProblemEntry> Take()
    {
        var taken = new List<ProblemEntry>(_problems);
        _problems.Clear();
        return taken;
    }
}
