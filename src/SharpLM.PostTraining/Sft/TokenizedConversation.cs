using SharpLM.Core.Formats.Chat;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.PostTraining.Sft;

/// <summary>
/// One conversation as training pairs: input token t predicts target token t+1, and the target counts in the loss
/// only where the chat template marks it as written by the assistant (its content and closing turn marker).
/// </summary>
public sealed record TokenizedConversation(int[] Inputs, int[] Targets, bool[] Supervised)
{
    public int Length => Inputs.Length;

    public int SupervisedCount => Supervised.Count(s => s);

    /// <summary>Renders with the tokenizer's chat template, keeps the first <paramref name="maxLength"/> pairs; null when no assistant token is left.</summary>
    public static TokenizedConversation? From(ChatExample example, ChatTemplate template, int maxLength)
    {
        var rendered = template.RenderTurns(example.Turns);
        int pairs = Math.Min(rendered.Ids.Length - 1, maxLength);
        if (pairs <= 0) return null;
        var conversation = new TokenizedConversation(rendered.Ids[..pairs], rendered.Ids[1..(pairs + 1)], rendered.AssistantMask[1..(pairs + 1)]);
        return conversation.SupervisedCount == 0 ? null : conversation;
    }
}
