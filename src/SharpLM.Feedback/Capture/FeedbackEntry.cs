namespace SharpLM.Feedback.Capture;

/// <summary>A person's judgement of served answers, as POST /v1/feedback takes it.</summary>
public abstract record FeedbackEntry(string ConversationId, IReadOnlyList<CapturedMessage> Prompt)
{
    public const string RatingKind = "rating";
    public const string PairwiseKind = "pairwise";

    public abstract string Kind { get; }
}

/// <summary>Thumbs up (1) or down (-1) on one answer, with an optional better answer written by the person.</summary>
public sealed record RatingFeedback(string ConversationId, string? MessageId, string? Model, IReadOnlyList<CapturedMessage> Prompt,
    string Response, int Rating, string? Correction) : FeedbackEntry(ConversationId, Prompt)
{
    public override string Kind => RatingKind;
}

/// <summary>Two answers to one prompt and the one preferred ("a", "b" or "tie").</summary>
public sealed record PairwiseFeedback(string ConversationId, IReadOnlyList<CapturedMessage> Prompt, PairwiseCandidate A, PairwiseCandidate B,
    string Preferred) : FeedbackEntry(ConversationId, Prompt)
{
    public static readonly IReadOnlyList<string> Choices = ["a", "b", "tie"];

    public override string Kind => PairwiseKind;
}

public sealed record PairwiseCandidate(string? Model, string Response);

/// <summary>A feedback row read back: its id and when it was recorded.</summary>
public sealed record StoredFeedback(string Id, DateTimeOffset CreatedAt, FeedbackEntry Entry);
