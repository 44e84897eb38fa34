namespace SharpLM.Feedback.Capture;

/// <summary>One chat message as captured: OpenAI's role and its text.</summary>
public sealed record CapturedMessage(string Role, string Content);
