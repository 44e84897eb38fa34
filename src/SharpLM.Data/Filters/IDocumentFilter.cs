namespace SharpLM.Data.Filters;

/// <summary>
/// A document-level quality filter. Implementations hold only immutable configuration, so one instance may
/// be shared by every worker thread; <see cref="Apply"/> keeps no state between calls.
/// </summary>
public interface IDocumentFilter
{
    /// <summary>The filter's prefix in rule names, for example "gopher_quality".</summary>
    string Name { get; }

    /// <summary>Every rule name <see cref="Apply"/> can return in <see cref="FilterOutcome.RejectedBy"/>, for reports that list zero counts too.</summary>
    IReadOnlyList<string> Rules { get; }

    FilterOutcome Apply(string text);

    /// <summary>
    /// <see cref="Apply(string)"/> that also records into <paramref name="counters"/>: the rejecting rule when the
    /// document is dropped, and, for filters that edit lines, one count per removed line under its line rule.
    /// </summary>
    FilterOutcome Apply(string text, FilterCounters? counters)
    {
        var outcome = Apply(text);
        counters?.Record(outcome);
        return outcome;
    }
}
