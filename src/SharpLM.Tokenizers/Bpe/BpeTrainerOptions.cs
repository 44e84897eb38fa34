namespace SharpLM.Tokenizers.Bpe;

public sealed record BpeTrainerOptions
{
    /// <summary>Final vocabulary size: 256 byte tokens + merges + special tokens.</summary>
    public int VocabularySize { get; init; } = 4096;

    /// <summary>Merges whose pair occurs fewer times than this are not learned.</summary>
    public int MinPairFrequency { get; init; } = 2;

    /// <summary>Special tokens, reserved at the last ids of <see cref="VocabularySize"/> in this order.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = Bpe.SpecialTokens.Default;

    public string PreTokenizerPattern { get; init; } = PreTokenizerPatterns.Gpt2;
}
