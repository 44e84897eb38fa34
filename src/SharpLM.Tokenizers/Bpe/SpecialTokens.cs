namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// The special tokens SharpLM reserves. A trained tokenizer places them at the last ids of the requested
/// vocabulary, in this order, so their ids depend only on the vocabulary size (4096 → 4092..4095).
/// </summary>
public static class SpecialTokens
{
    /// <summary>Separates documents in token shards and ends generation.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Fills batches of unequal length; never a training target.</summary>
    public const string Padding = "<|pad|>";

    /// <summary>Opens a chat turn: followed by the role name and a newline (see <see cref="Chat.ChatTemplate"/>).</summary>
    public const string TurnStart = "<|im_start|>";

    /// <summary>Closes a chat turn; an assistant learns to emit it when its answer is done.</summary>
    public const string TurnEnd = "<|im_end|>";

    public static IReadOnlyList<string> Default { get; } = [EndOfText, Padding, TurnStart, TurnEnd];
}
