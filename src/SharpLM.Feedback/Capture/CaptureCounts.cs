namespace SharpLM.Feedback.Capture;

/// <summary>Rows per table: what a deletion or retention pass removed, or what a database holds.</summary>
public sealed record CaptureCounts(long Conversations, long Messages, long Feedback)
{
    public long Total => Conversations + Messages + Feedback;
}

/// <summary>What `sharplm capture stats` prints.</summary>
public sealed record CaptureStats(CaptureCounts Rows, long Exchanges, long PositiveRatings, long NegativeRatings, long Corrections,
    long PairwiseChoices, long PairwiseTies, DateTimeOffset? Oldest, DateTimeOffset? Newest, int SchemaVersion);
