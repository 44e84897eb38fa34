namespace SharpLM.Inference;

/// <summary>
/// Copies a run of cached positions out of a session's KV cache and back into one (its own or another session of
/// the same model): what a prefix cache shared between sequences needs. A run is laid out as, for each layer in
/// order, the keys of its positions then their values ([position, width] floats each).
/// </summary>
public interface IKvTransfer
{
    /// <summary>Floats one position takes in a run: layers × 2 × the width of a key.</summary>
    int KvFloatsPerPosition { get; }

    /// <summary>Copies the entries of positions [start, start + count) into <paramref name="destination"/>.</summary>
    void ReadKv(int start, int count, Span<float> destination);

    /// <summary>
    /// Writes <paramref name="count"/> positions from <paramref name="source"/> at <paramref name="start"/> (at most the
    /// current length) and makes the cache end after them, as if those tokens had been fed.
    /// </summary>
    void WriteKv(int start, int count, ReadOnlySpan<float> source);
}

/// <summary>The copying behind <see cref="IKvTransfer"/>, over per-layer [position, width] key and value arrays.</summary>
internal static class KvRuns
{
    public static int FloatsPerPosition(float[][] keys, int width) => keys.Length * 2 * width;

    public static void Read(float[][] keys, float[][] values, int width, int length, int start, int count, Span<float> destination)
    {
        if (start < 0 || count < 0 || start + count > length)
            throw new ArgumentOutOfRangeException(nameof(count), $"positions {start} to {start + count} are not all in a cache of {length}.");
        int run = count * width;
        if (destination.Length < keys.Length * 2 * run)
            throw new ArgumentException($"{count} positions need {keys.Length * 2 * run} floats; the buffer holds {destination.Length}.");
        for (int layer = 0; layer < keys.Length; layer++)
        {
            keys[layer].AsSpan(start * width, run).CopyTo(destination.Slice((2 * layer) * run, run));
            values[layer].AsSpan(start * width, run).CopyTo(destination.Slice((2 * layer + 1) * run, run));
        }
    }

    /// <summary>Writes the run and returns the cache's new length.</summary>
    public static int Write(float[][] keys, float[][] values, int width, int length, int maxPositions, int start, int count, ReadOnlySpan<float> source)
    {
        if (start < 0 || count < 0 || start > length || start + count > maxPositions)
            throw new ArgumentOutOfRangeException(nameof(start), $"cannot write positions {start} to {start + count} into a cache of {length} (room for {maxPositions}).");
        int run = count * width;
        if (source.Length < keys.Length * 2 * run)
            throw new ArgumentException($"{count} positions need {keys.Length * 2 * run} floats; the run holds {source.Length}.");
        for (int layer = 0; layer < keys.Length; layer++)
        {
            source.Slice((2 * layer) * run, run).CopyTo(keys[layer].AsSpan(start * width, run));
            source.Slice((2 * layer + 1) * run, run).CopyTo(values[layer].AsSpan(start * width, run));
        }
        return start + count;
    }
}
