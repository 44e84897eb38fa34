namespace SharpLM.Feedback.Capture;

/// <summary>
/// One served request and its answers. <see cref="Id"/> is the response's id (chatcmpl-…, cmpl-…); each choice's
/// text becomes an assistant message whose id is that id (choice 0) or "id.i" (choice i).
/// </summary>
public sealed record CapturedExchange(
    string Id,
    string ConversationId,
    string Endpoint,
    string ModelId,
    IReadOnlyList<CapturedMessage> Request,
    IReadOnlyList<CapturedChoice> Choices,
    int PromptTokens,
    int CompletionTokens)
{
    /// <summary>The message id of choice <paramref name="index"/>.</summary>
    public static string ChoiceMessageId(string exchangeId, int index) => index == 0 ? exchangeId : $"{exchangeId}.{index}";
}

/// <summary>One generated answer and why it ended (stop, length, tool_calls).</summary>
public sealed record CapturedChoice(string Text, string FinishReason);
