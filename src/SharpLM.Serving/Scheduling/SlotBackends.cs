using SharpLM.Inference;
using SharpLM.Inference.Llama;

namespace SharpLM.Serving.Scheduling;

/// <summary>Llama-family slots on one <see cref="LlamaBatchSession"/>: a decode step reads the weights once for every slot.</summary>
public sealed class BatchedSlots(LlamaBatchSession session) : ISlotBackend
{
    public int Slots => session.Sequences;
    public int MaxPositions => session.MaxPositions;
    public int VocabularySize => session.VocabularySize;
    public int Length(int slot) => session.Length(slot);
    public void Truncate(int slot, int length) => session.Truncate(slot, length);
    public ReadOnlySpan<float> Prefill(int slot, ReadOnlySpan<int> tokens) => session.Prefill(slot, tokens);
    public void Forward(int slot, ReadOnlySpan<int> tokens, Span<float> logits) => session.Forward(slot, tokens, logits);
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, Span<float> logits) => session.Step(slots, tokens, logits);
    public int KvFloatsPerPosition => session.KvFloatsPerPosition;
    public void ReadKv(int slot, int start, int count, Span<float> destination) => session.ReadKv(slot, start, count, destination);
    public void WriteKv(int slot, int start, int count, ReadOnlySpan<float> source) => session.WriteKv(slot, start, count, source);
}

/// <summary>Slots as independent decoder sessions (families without a batch session, such as GPT-2): a step runs them one after another.</summary>
public sealed class SessionSlots(IReadOnlyList<IDecoderSession> sessions) : ISlotBackend
{
    public int Slots => sessions.Count;
    public int MaxPositions => sessions[0].MaxPositions;
    public int VocabularySize => sessions[0].VocabularySize;
    public int Length(int slot) => sessions[slot].Length;
    public void Truncate(int slot, int length) => sessions[slot].Truncate(length);
    public ReadOnlySpan<float> Prefill(int slot, ReadOnlySpan<int> tokens) => sessions[slot].Prefill(tokens);
    public void Forward(int slot, ReadOnlySpan<int> tokens, Span<float> logits) => sessions[slot].Forward(tokens, logits);
    public int KvFloatsPerPosition => sessions[0] is IKvTransfer kv ? kv.KvFloatsPerPosition : 0;
    public void ReadKv(int slot, int start, int count, Span<float> destination) => Transfer(slot).ReadKv(start, count, destination);
    public void WriteKv(int slot, int start, int count, ReadOnlySpan<float> source) => Transfer(slot).WriteKv(start, count, source);

    private IKvTransfer Transfer(int slot) => sessions[slot] as IKvTransfer
        ?? throw new InvalidOperationException($"{sessions[slot].GetType().Name} cannot copy its KV cache.");

    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int vocab = VocabularySize;
        for (int i = 0; i < slots.Length; i++) sessions[slots[i]].Forward(tokens[i]).CopyTo(logits.Slice(i * vocab, vocab));
    }
}
