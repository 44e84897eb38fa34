using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Sft;

/// <summary>
/// Rows of conversations as tensors: inputs [B, T], targets [B, T] with −100 wherever the loss ignores the token
/// (user and system turns, template markup, padding), and the <see cref="SequenceLayout"/> that keeps each
/// conversation's attention and positions to itself. Rows are padded to the longest.
/// </summary>
public sealed class SftBatch : IDisposable
{
    public const long IgnoredTarget = -100;

    public Tensor Inputs { get; }
    public Tensor Targets { get; }
    public SequenceLayout Layout { get; }
    /// <summary>Tokens that are not padding.</summary>
    public long RealTokens { get; }

    private SftBatch(Tensor inputs, Tensor targets, SequenceLayout layout, long realTokens)
    {
        Inputs = inputs;
        Targets = targets;
        Layout = layout;
        RealTokens = realTokens;
    }

    public static SftBatch Build(IReadOnlyList<TokenizedConversation> conversations, IEnumerable<int[]> rows, Device device)
    {
        var rowList = rows.ToList();
        int width = rowList.Max(r => r.Sum(i => conversations[i].Length));
        var inputs = new long[rowList.Count * width];
        var targets = new long[rowList.Count * width];
        Array.Fill(targets, IgnoredTarget);
        var segments = new int[rowList.Count][];
        long real = 0;
        for (int b = 0; b < rowList.Count; b++)
        {
            segments[b] = new int[width];
            Array.Fill(segments[b], -1); // padding: a segment of its own, attending only to earlier padding
            int t = 0;
            for (int s = 0; s < rowList[b].Length; s++)
            {
                var conversation = conversations[rowList[b][s]];
                for (int j = 0; j < conversation.Length; j++, t++)
                {
                    inputs[b * width + t] = conversation.Inputs[j];
                    if (conversation.Supervised[j]) targets[b * width + t] = conversation.Targets[j];
                    segments[b][t] = s;
                }
            }
            real += t;
        }
        return new SftBatch(tensor(inputs, [rowList.Count, width]).to(device), tensor(targets, [rowList.Count, width]).to(device),
            SequenceLayout.FromSegments(segments, device), real);
    }

    /// <summary>Cross-entropy summed over supervised targets, and their count.</summary>
    public (Tensor Sum, long Count) LossSum(CausalLanguageModel model)
    {
        var logits = model.Forward(Inputs, Layout);
        var sum = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), Targets.view(-1), ignore_index: IgnoredTarget, reduction: nn.Reduction.Sum);
        return (sum, Targets.ne(IgnoredTarget).sum().item<long>());
    }

    /// <summary>
    /// Per row: the log-probability of its supervised targets, summed (a graph to the logits), and how many there are.
    /// Preference objectives build one row per sequence, so a row's sum is that sequence's completion log-probability.
    /// </summary>
    public (Tensor Sums, Tensor Counts) RowLogProbabilities(CausalLanguageModel model)
    {
        var logits = model.Forward(Inputs, Layout);
        var scored = Targets.ne(IgnoredTarget);
        var safeTargets = where(scored, Targets, zeros_like(Targets));
        var logps = logits.log_softmax(-1).gather(-1, safeTargets.unsqueeze(-1)).squeeze(-1);
        return ((logps * scored.to_type(logps.dtype)).sum(1), scored.sum(1));
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        Layout.Dispose();
    }
}
