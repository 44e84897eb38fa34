using SharpLM.Core;

namespace SharpLM.Retrieval.Chunking;

/// <summary>How documents are cut: at most <see cref="MaxTokens"/> per chunk, the last <see cref="OverlapTokens"/> of a chunk's sentences repeated at the start of the next.</summary>
public sealed record ChunkingOptions
{
    /// <summary>200 words stay under all-MiniLM-L6-v2's 256 word-piece window for ordinary English.</summary>
    public int MaxTokens { get; init; } = 200;

    public int OverlapTokens { get; init; } = 40;

    public void Validate()
    {
        if (MaxTokens < 8) throw new SharpLMException($"--chunk-tokens must be at least 8, got {MaxTokens}.");
        if (OverlapTokens < 0 || OverlapTokens >= MaxTokens)
            throw new SharpLMException($"--overlap-tokens must lie in 0..{MaxTokens - 1} (below --chunk-tokens), got {OverlapTokens}.");
    }

    /// <summary>The options as stored in an index, so that a later run with other options is noticed.</summary>
    public string Describe() => $"max_tokens={MaxTokens};overlap_tokens={OverlapTokens};counter=words";
}
