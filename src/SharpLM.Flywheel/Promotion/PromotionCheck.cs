namespace SharpLM.Flywheel.Promotion;

/// <summary>
/// One rule applied to one subject: the old and new values, the worst new value the rule allows, whether it passed,
/// and a sentence saying why. A check with <see cref="Passed"/> null could not be made (nothing to compare) and does
/// not block.
/// </summary>
public sealed record PromotionCheck(string Rule, string Subject, double? Old, double? New, double? Limit, bool? Passed, string Reason);

/// <summary>The scorecard's verdict, every check behind it, and the tasks present on one side only.</summary>
public sealed record Scorecard(string OldModel, string NewModel, double MaxRegression, IReadOnlyList<PromotionCheck> Checks,
    IReadOnlyList<string> MissingInNew, IReadOnlyList<string> MissingInOld)
{
    public const string Promote = "PROMOTE", DoNotPromote = "DO NOT PROMOTE";

    public bool Promotes => Checks.All(c => c.Passed != false);
    public string Decision => Promotes ? Promote : DoNotPromote;
    public IEnumerable<PromotionCheck> Failures => Checks.Where(c => c.Passed == false);
}
