using SharpLM.Core.Models;

namespace SharpLM.Inference.Tests;

public class DecodeBenchmarkTests
{
    /// <summary>
    /// Counted by hand for dim 4, 2 heads, ffn 8, vocab 10, one layer, a 3-token prompt: q, k, v, o are 4 × 4 (64
    /// weights), gate, up, down 4 × 8 (96) → 320 FLOPs; attention over (3 + 1) / 2 = 2 keys on average, 8 FLOPs for
    /// a score and 8 for the weighted sum each → 32; the 10 × 4 output projection once per 3 tokens → 80 / 3.
    /// </summary>
    [Fact]
    public void Prompt_flops_per_token_match_a_hand_count()
    {
        var config = LlamaConfig.Create(10, 4, 1, 2, intermediateSize: 8, maxPositions: 16);
        Assert.Equal(320 + 32 + 80.0 / 3, DecodeBenchmark.PromptFlopsPerToken(config, 3), 9);
    }
}
