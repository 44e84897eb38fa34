using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// Pairs as reward-model input: rows 0..n−1 the chosen sequences (prompt + completion, every rendered token), rows
/// n..2n−1 the rejected ones, padded to the longest with padding in a segment of its own, and each row's last real
/// position, where the head reads the hidden state. With prompt tuning each row starts with the virtual tokens.
/// </summary>
public sealed class RewardBatch : IDisposable
{
    public Tensor Inputs { get; }
    public SequenceLayout Layout { get; }
    public Tensor LastIndex { get; }
    /// <summary>[B, T]: the virtual token at each position, −1 at real tokens and padding; null without prompt tuning.</summary>
    public Tensor? VirtualSlots { get; }
    public int Pairs { get; }
    public long RealTokens { get; }

    private RewardBatch(Tensor inputs, SequenceLayout layout, Tensor lastIndex, Tensor? virtualSlots, int pairs, long realTokens)
    {
        (Inputs, Layout, LastIndex, VirtualSlots, Pairs, RealTokens) = (inputs, layout, lastIndex, virtualSlots, pairs, realTokens);
    }

    /// <summary>A side's whole sequence: its inputs and the final target.</summary>
    public static int[] Sequence(TokenizedConversation side) => [.. side.Inputs, side.Targets[^1]];

    /// <param name="virtualTokens">Prompt tuning's virtual tokens before each sequence (0: none).</param>
    public static RewardBatch Build(IReadOnlyList<TokenizedPair> pairs, Device device, int virtualTokens = 0)
    {
        var rows = pairs.Select(p => Sequence(p.Chosen)).Concat(pairs.Select(p => Sequence(p.Rejected))).ToList();
        int width = virtualTokens + rows.Max(r => r.Length);
        var inputs = new long[rows.Count * width];
        var slots = new long[rows.Count * width];
        Array.Fill(slots, -1);
        var segments = new int[rows.Count][];
        var last = new long[rows.Count];
        for (int b = 0; b < rows.Count; b++)
        {
            segments[b] = new int[width];
            Array.Fill(segments[b], -1);
            for (int v = 0; v < virtualTokens; v++)
            {
                slots[b * width + v] = v;
                segments[b][v] = 0;
            }
            for (int t = 0; t < rows[b].Length; t++)
            {
                inputs[b * width + virtualTokens + t] = rows[b][t];
                segments[b][virtualTokens + t] = 0;
            }
            last[b] = virtualTokens + rows[b].Length - 1;
        }
        return new RewardBatch(tensor(inputs, [rows.Count, width]).to(device), SequenceLayout.FromSegments(segments, device), tensor(last).to(device),
            virtualTokens > 0 ? tensor(slots, [rows.Count, width]).to(device) : null, pairs.Count, rows.Sum(r => (long)r.Length));
    }

    /// <summary>The rewards of the chosen and of the rejected sequences.</summary>
    public (Tensor Chosen, Tensor Rejected) Rewards(RewardModel model)
    {
        var rewards = model.Rewards(Inputs, Layout, LastIndex, VirtualSlots);
        return (rewards[..Pairs], rewards[Pairs..]);
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Layout.Dispose();
        LastIndex.Dispose();
        VirtualSlots?.Dispose();
    }
}
