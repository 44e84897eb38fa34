namespace SharpLM.Core.Formats.TokenShards;

public static class TokenShardStatistics
{
    /// <summary>
    /// Entropy in nats per token of the shard's unigram distribution: the loss of the best model that ignores
    /// context. A trained language model must end well below it.
    /// </summary>
    public static double UnigramEntropy(TokenShardReader shard)
    {
        var counts = new Dictionary<long, long>();
        var buffer = new long[1 << 16];
        for (long start = 0; start < shard.TokenCount; start += buffer.Length)
        {
            int length = (int)Math.Min(buffer.Length, shard.TokenCount - start);
            shard.Read(start, buffer.AsSpan(0, length));
            for (int i = 0; i < length; i++) counts[buffer[i]] = counts.GetValueOrDefault(buffer[i]) + 1;
        }
        double total = shard.TokenCount, entropy = 0;
        foreach (long count in counts.Values)
        {
            double p = count / total;
            entropy -= p * Math.Log(p);
        }
        return entropy;
    }

    /// <summary>
    /// Fails with a clear message when the shard holds an id the model cannot embed, the sign of a shard encoded
    /// with a different tokenizer.
    /// </summary>
    public static void RequireIdsBelow(TokenShardReader shard, int vocabularySize)
    {
        var buffer = new long[1 << 16];
        for (long start = 0; start < shard.TokenCount; start += buffer.Length)
        {
            int length = (int)Math.Min(buffer.Length, shard.TokenCount - start);
            shard.Read(start, buffer.AsSpan(0, length));
            for (int i = 0; i < length; i++)
                if (buffer[i] >= vocabularySize)
                    throw new SharpLMException($"{shard.Path}: token {start + i} has id {buffer[i]}, outside the vocabulary of {vocabularySize}; was the shard encoded with another tokenizer?");
        }
    }
}
