using SharpLM.Data.Dedup;

namespace SharpLM.Data.Tests.Dedup;

public class MinHashLshIndexTests
{
    private static readonly MinHasher Hasher = new();

    private static string Words(int seed, int count = 120)
    {
        var random = new Random(seed);
        return string.Join(' ', Enumerable.Range(0, count).Select(i => $"w{random.Next(1_000_000)}"));
    }

    [Fact]
    public void First_document_represents_its_cluster()
    {
        var index = new MinHashLshIndex();
        string original = Words(1);
        Assert.True(index.TryAdd("a", Hasher.Signature(original), out var dupA));
        Assert.Null(dupA);
        Assert.True(index.TryAdd("b", Hasher.Signature(Words(2)), out _));
        Assert.False(index.TryAdd("c", Hasher.Signature(original.ToUpperInvariant() + "!"), out var dupC));
        Assert.Equal("a", dupC);
        var words = original.Split(' ');
        words[60] = "changed";   // one word of 120: Jaccard 0.92
        Assert.False(index.TryAdd("d", Hasher.Signature(string.Join(' ', words)), out var dupD));
        Assert.Equal("a", dupD);

        Assert.Equal(4, index.Documents);
        Assert.Equal(2, index.Duplicates);
        Assert.Equal(2, index.Representatives);
        var clusters = index.Clusters;
        Assert.Single(clusters);
        Assert.Equal(["c", "d"], clusters["a"]);
    }

    [Fact]
    public void Unrelated_documents_are_all_kept()
    {
        var index = new MinHashLshIndex();
        for (int i = 0; i < 100; i++) Assert.True(index.TryAdd($"doc{i}", Hasher.Signature(Words(100 + i, 40)), out _));
        Assert.Empty(index.Clusters);
    }

    [Fact]
    public void Clusters_grow_through_chains_of_near_duplicates()
    {
        // Synthetic signatures: b shares band 0 with a, c shares band 1 with b and nothing with a.
        var random = new Random(4);
        ulong[] Random112() => Enumerable.Range(0, 112).Select(_ => (ulong)random.NextInt64()).ToArray();
        var a = Random112();
        var b = Random112();
        var c = Random112();
        Array.Copy(a, 0, b, 0, 8);
        Array.Copy(b, 8, c, 8, 8);
        var index = new MinHashLshIndex();
        Assert.True(index.TryAdd("a", a, out _));
        Assert.False(index.TryAdd("b", b, out var dupB));
        Assert.Equal("a", dupB);
        Assert.False(index.TryAdd("c", c, out var dupC));
        Assert.Equal("a", dupC);
        Assert.Equal(["b", "c"], index.Clusters["a"]);
        Assert.False(NearDuplicateRecall.ShareBand(a, c, new MinHashOptions()));
    }

    [Fact]
    public void Index_agrees_with_band_comparison_of_signatures()
    {
        var random = new Random(21);
        var options = new MinHashOptions();
        for (int i = 0; i < 100; i++)
        {
            var (x, y) = SimilarPairs.Generate(random, 60, 5, 0.55 + 0.4 * random.NextDouble());
            var sx = Hasher.Signature(x);
            var sy = Hasher.Signature(y);
            var index = new MinHashLshIndex(options);
            index.TryAdd("x", sx, out _);
            bool duplicate = !index.TryAdd("y", sy, out _);
            Assert.Equal(NearDuplicateRecall.ShareBand(sx, sy, options), duplicate);
        }
    }

    [Fact]
    public void Memory_estimate_grows_with_documents_and_bands()
    {
        var index = new MinHashLshIndex();
        long empty = index.ApproximateBytes;
        var random = new Random(8);
        var signature = new ulong[112];
        for (int i = 0; i < 1000; i++)
        {
            for (int j = 0; j < signature.Length; j++) signature[j] = (ulong)random.NextInt64();
            index.TryAdd($"doc{i:D6}", signature, out _);
        }
        long full = index.ApproximateBytes;
        // 14 band keys per document at ≥ 24 bytes each, plus the ids.
        Assert.InRange(full - empty, 1000 * 14 * 24, 1000 * 14 * 28 * 3);
    }

    [Fact]
    public void Wrong_signature_length_is_refused()
    {
        var index = new MinHashLshIndex();
        Assert.Throws<ArgumentException>(() => index.TryAdd("x", new ulong[5], out _));
    }
}
