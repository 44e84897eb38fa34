namespace SharpLM.Serving.Scheduling;

/// <summary>
/// A fixed number of sequence slots, each with its own KV cache, over one model: what the scheduler drives. A step
/// feeds one token to each of several slots; on the Llama family that is one pass over the weights for all of them.
/// </summary>
public interface ISlotBackend
{
    int Slots { get; }
    int MaxPositions { get; }
    int VocabularySize { get; }

    /// <summary>Tokens in a slot's cache.</summary>
    int Length(int slot);

    /// <summary>Keeps the first <paramref name="length"/> cached positions of a slot (a shared prefix), forgetting the rest.</summary>
    void Truncate(int slot, int length);

    /// <summary>Feeds tokens to one slot; returns the logits after the last (valid until the next call).</summary>
    ReadOnlySpan<float> Prefill(int slot, ReadOnlySpan<int> tokens);

    /// <summary>Feeds tokens to one slot and writes the logits after each into row i of <paramref name="logits"/> (prompt scoring).</summary>
    void Forward(int slot, ReadOnlySpan<int> tokens, Span<float> logits);

    /// <summary>Floats one cached position takes when copied out (see <see cref="Inference.IKvTransfer"/>); 0 when slots cannot share KV runs.</summary>
    int KvFloatsPerPosition { get; }

    /// <summary>Copies a slot's cached positions [start, start + count) out as a KV run.</summary>
    void ReadKv(int slot, int start, int count, Span<float> destination);

    /// <summary>Writes a KV run into a slot at <paramref name="start"/> (at most its length); the slot then ends after it.</summary>
    void WriteKv(int slot, int start, int count, ReadOnlySpan<float> source);

    /// <summary>Feeds tokens[i] to slot slots[i] and writes the logits after each into row i of <paramref name="logits"/>.</summary>
    void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, Span<float> logits);
}
