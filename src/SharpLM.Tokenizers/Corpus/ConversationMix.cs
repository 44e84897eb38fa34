namespace SharpLM.Tokenizers.Corpus;

/// <summary>
/// Conversations, already rendered with the chat template, to spread evenly through the training shard among
/// <paramref name="Documents"/> documents: conversation k follows document ⌈(k+1)·D/(C+1)⌉, so any stretch of the
/// shard holds its share whether the trainer samples windows at random or reads in order.
/// </summary>
/// <remarks>
/// A model that never saw &lt;|im_start|&gt; in pretraining starts every assistant turn from the chat tokens' untrained
/// embeddings, which LoRA does not train; mixed-in conversations let the base learn them. Conversations go to the
/// training shard only, so the validation loss stays that of the document corpus.
/// </remarks>
public sealed record ConversationMix(IReadOnlyList<int[]> Conversations, long Documents)
{
    /// <summary>How many conversations are due once <paramref name="documentsSeen"/> documents have been written.</summary>
    public int DueAfter(long documentsSeen) =>
        Documents <= 0 ? Conversations.Count
        : (int)Math.Min(Conversations.Count, documentsSeen * (Conversations.Count + 1) / (Documents + 1));
}
