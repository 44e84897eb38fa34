namespace SharpLM.PostTraining.Rl;

/// <summary>One sampled completion: the rendered prompt's tokens, the completion's tokens (its closing stop token included when it stopped), and its text.</summary>
public sealed record Rollout(int PromptIndex, int[] PromptIds, int[] CompletionIds, string Text)
{
    /// <summary>Training pairs over prompt + completion, scored on the completion's tokens only.</summary>
    public Sft.TokenizedConversation AsConversation()
    {
        var all = PromptIds.Concat(CompletionIds).ToArray();
        var scored = new bool[all.Length - 1];
        for (int j = PromptIds.Length - 1; j < scored.Length; j++) scored[j] = true;
        return new Sft.TokenizedConversation(all[..^1], all[1..], scored);
    }
}
