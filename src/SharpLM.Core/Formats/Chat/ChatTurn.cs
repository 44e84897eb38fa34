namespace SharpLM.Core.Formats.Chat;

/// <summary>
/// One message of a conversation as post-training reads it: a role (system, user, assistant or tool) and its text.
/// Tool calls an assistant makes are part of its text (see <see cref="ToolCallText"/>), so the chat template needs no
/// other field.
/// </summary>
public sealed record ChatTurn(string Role, string Content)
{
    public const string System = "system", User = "user", Assistant = "assistant", Tool = "tool";

    public static readonly IReadOnlySet<string> Roles = new HashSet<string> { System, User, Assistant, Tool };
}

/// <summary>One training conversation and the line of the file it came from.</summary>
public sealed record ChatExample(IReadOnlyList<ChatTurn> Turns, long Line);

/// <summary>One preference pair: a shared prompt and two continuations, the preferred one first.</summary>
public sealed record PreferenceExample(IReadOnlyList<ChatTurn> Prompt, IReadOnlyList<ChatTurn> Chosen, IReadOnlyList<ChatTurn> Rejected, long Line);
