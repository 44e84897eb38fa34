using SharpLM.Core.Formats.Chat;
using SharpLM.PostTraining.Sft;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.PostTraining.Preference;

/// <summary>
/// One preference pair as two training sequences, prompt + chosen and prompt + rejected, each scored only on its
/// completion: the assistant tokens after the prompt (content and closing turn marker), as TRL masks the prompt.
/// </summary>
public sealed record TokenizedPair(long Line, TokenizedConversation Chosen, TokenizedConversation Rejected)
{
    /// <summary>Renders both sides with the chat template, keeps the first <paramref name="maxLength"/> pairs of each; null when either side has no completion token left.</summary>
    public static TokenizedPair? From(PreferenceExample example, ChatTemplate template, int maxLength)
    {
        var prompt = example.Prompt;
        int promptLength = template.RenderTurns(prompt).Ids.Length;
        var chosen = Side(prompt, example.Chosen, promptLength, template, maxLength);
        var rejected = Side(prompt, example.Rejected, promptLength, template, maxLength);
        return chosen is null || rejected is null ? null : new TokenizedPair(example.Line, chosen, rejected);
    }

    private static TokenizedConversation? Side(IReadOnlyList<ChatTurn> prompt, IReadOnlyList<ChatTurn> completion, int promptLength, ChatTemplate template, int maxLength)
    {
        var rendered = template.RenderTurns(prompt.Concat(completion));
        int pairs = Math.Min(rendered.Ids.Length - 1, maxLength);
        if (pairs <= 0) return null;
        // Target j is token j + 1: it belongs to the completion when j + 1 is past the rendered prompt.
        var scored = new bool[pairs];
        for (int j = 0; j < pairs; j++) scored[j] = j + 1 >= promptLength && rendered.AssistantMask[j + 1];
        var side = new TokenizedConversation(rendered.Ids[..pairs], rendered.Ids[1..(pairs + 1)], scored);
        return side.SupervisedCount == 0 ? null : side;
    }
}
