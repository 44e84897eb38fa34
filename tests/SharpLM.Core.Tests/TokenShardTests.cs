using SharpLM.Core.Formats.TokenShards;

namespace SharpLM.Core.Tests;

public class TokenShardTests
{
    [Theory]
    [InlineData(4096, 2)]
    [InlineData(70000, 4)]
    public void Round_trip_with_document_index_and_width_chosen_from_vocabulary(int vocabulary, int expectedWidth)
    {
        using var dir = new TempDirectory();
        string path = dir.File("s.tok");
        using (var writer = new TokenShardWriter(path, vocabulary))
        {
            writer.AddDocument([1, 2, 3]);
            writer.AddDocument([vocabulary - 1]);
            writer.AddDocument([0, 5]);
            writer.Complete();
        }
        using var reader = new TokenShardReader(path);
        Assert.Equal(expectedWidth, reader.BytesPerToken);
        Assert.Equal(6, reader.TokenCount);
        Assert.Equal(new[] { 1, 2, 3, vocabulary - 1, 0, 5 }, reader.ReadAll());
        Assert.Equal(3, reader.DocumentCount);
        Assert.Equal(new long[] { 0, 3, 4 }, Enumerable.Range(0, 3).Select(i => reader.DocumentStart(i)));
        var window = new long[2];
        reader.Read(3, window);
        Assert.Equal(new long[] { vocabulary - 1, 0 }, window);
    }

    [Theory]
    [InlineData(1, 99, "document index entry 1 starts at token 99, outside the shard's 5 tokens")]
    [InlineData(2, -1, "document index entry 2 starts at token -1, outside the shard's 5 tokens")]
    [InlineData(2, 1, "document index entry 2 starts at token 1, before entry 1 at token 2 (the index must ascend)")]
    public void A_corrupt_document_index_is_refused_on_open_naming_the_entry(int entry, long start, string problem)
    {
        using var dir = new TempDirectory();
        string path = dir.File("s.tok");
        using (var writer = new TokenShardWriter(path, 100))
        {
            writer.AddDocument([1, 2]);
            writer.AddDocument([3, 4]);
            writer.AddDocument([5]);
            writer.Complete();
        }
        byte[] bytes = File.ReadAllBytes(path);
        // The index is the file's last 8 bytes per document.
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(bytes.Length - (3 - entry) * 8), start);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<SharpLMException>(() => new TokenShardReader(path));
        Assert.Equal($"{path}: {problem}.", error.Message);
        File.Delete(path); // the refused file is no longer mapped
    }

    [Fact]
    public void An_unfinished_writer_leaves_no_shard_behind()
    {
        using var dir = new TempDirectory();
        string path = dir.File("s.tok");
        using (var writer = new TokenShardWriter(path, 100)) writer.AddDocument([1, 2]);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Truncated_shard_is_rejected_with_its_path()
    {
        using var dir = new TempDirectory();
        string path = dir.File("s.tok");
        using (var writer = new TokenShardWriter(path, 100))
        {
            writer.AddDocument([1, 2, 3, 4]);
            writer.Complete();
        }
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
        var error = Assert.Throws<SharpLMException>(() => new TokenShardReader(path));
        Assert.StartsWith(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Tokens_outside_the_vocabulary_are_refused()
    {
        using var dir = new TempDirectory();
        using var writer = new TokenShardWriter(dir.File("s.tok"), 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddDocument([10]));
    }

    [Fact]
    public void Unigram_entropy_matches_the_closed_form()
    {
        using var dir = new TempDirectory();
        string path = dir.File("s.tok");
        using (var writer = new TokenShardWriter(path, 10))
        {
            writer.AddDocument([0, 0, 1, 2]); // p = 1/2, 1/4, 1/4
            writer.Complete();
        }
        using var reader = new TokenShardReader(path);
        Assert.Equal(1.5 * Math.Log(2), TokenShardStatistics.UnigramEntropy(reader), 12);
    }
}
