using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// Pairs as reward-model input: rows 0..n−1 the chosen sequences (prompt + completion, every rendered token), rows
/// n..2n−1 the rejected ones, padded to the longest with padding in a segment of its own, and each row's last real
/// position, where the head reads the hidden state.
/// </summary>
public sealed class RewardBatch : IDisposable
{
    public Tensor Inputs { get; }
    public SequenceLayout Layout { get; }
    public Tensor LastIndex { get; }
    public int Pairs { get; }
    public long RealTokens { get; }

    private RewardBatch(Tensor inputs, SequenceLayout layout, Tensor lastIndex, int pairs, long realTokens)
    {
        (Inputs, Layout, LastIndex, Pairs, RealTokens) = (inputs, layout, lastIndex, pairs, realTokens);
    }

    /// <summary>A side's whole sequence: its inputs and the final target.</summary>
    public static int[] Sequence(TokenizedConversation side) => [.. side.Inputs, side.Targets[^1]];

    public static RewardBatch Build(IReadOnlyList<TokenizedPair> pairs, Device device)
    {
        var rows = pairs.Select(p => Sequence(p.Chosen)).Concat(pairs.Select(p => Sequence(p.Rejected))).ToList();
        int width = rows.Max(r => r.Length);
        var inputs = new long[rows.Count * width];
        var segments = new int[rows.Count][];
        var last = new long[rows.Count];
        for (int b = 0; b < rows.Count; b++)
        {
            segments[b] = new int[width];
            Array.Fill(segments[b], -1);
            for (int t = 0; t < rows[b].Length; t++)
            {
                inputs[b * width + t] = rows[b][t];
                segments[b][t] = 0;
            }
            last[b] = rows[b].Length - 1;
        }
        return new RewardBatch(tensor(inputs, [rows.Count, width]).to(device), SequenceLayout.FromSegments(segments, device), tensor(last).to(device),
            pairs.Count, rows.Sum(r => (long)r.Length));
    }

    /// <summary>The rewards of the chosen and of the rejected sequences.</summary>
    public (Tensor Chosen, Tensor Rejected) Rewards(RewardModel model)
    {
        var rewards = model.Rewards(Inputs, Layout, LastIndex);
        return (rewards[..Pairs], rewards[Pairs..]);
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Layout.Dispose();
        LastIndex.Dispose();
    }
}
