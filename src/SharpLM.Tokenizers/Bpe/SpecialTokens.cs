namespace SharpLM.Tokenizers.Bpe;

/// <summary>Names of the special tokens SharpLM reserves.</summary>
public static class SpecialTokens
{
    /// <summary>Separates documents in token shards and ends generation.</summary>
    public const string EndOfText = "<|endoftext|>";
}
