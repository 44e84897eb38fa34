using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Sft;

/// <summary>
/// Rows of conversations as tensors: inputs [B, T], targets [B, T] with −100 wherever the loss ignores the token
/// (user and system turns, template markup, padding), and the <see cref="SequenceLayout"/> that keeps each
/// conversation's attention and positions to itself. Rows are padded to the longest. With prompt tuning each
/// conversation is preceded by the N virtual tokens, inside its own segment (so packed conversations each see the
/// prompt, and positions run over virtual and real tokens as in PEFT), and those positions are never targets.
/// </summary>
public sealed class SftBatch : IDisposable
{
    public const long IgnoredTarget = -100;

    public Tensor Inputs { get; }
    public Tensor Targets { get; }
    public SequenceLayout Layout { get; }
    /// <summary>Per position, the index of the virtual token there, or −1 for a real token or padding; null without prompt tuning.</summary>
    public Tensor? VirtualSlots { get; }
    /// <summary>Tokens that are not padding (nor virtual).</summary>
    public long RealTokens { get; }

    private SftBatch(Tensor inputs, Tensor targets, SequenceLayout layout, Tensor? virtualSlots, long realTokens)
    {
        Inputs = inputs;
        Targets = targets;
        Layout = layout;
        VirtualSlots = virtualSlots;
        RealTokens = realTokens;
    }

    /// <param name="virtualTokens">Prompt tuning's virtual tokens before each conversation (0: none).</param>
    public static SftBatch Build(IReadOnlyList<TokenizedConversation> conversations, IEnumerable<int[]> rows, Device device, int virtualTokens = 0)
    {
        var rowList = rows.ToList();
        int width = rowList.Max(r => r.Sum(i => conversations[i].Length + virtualTokens));
        var inputs = new long[rowList.Count * width];
        var targets = new long[rowList.Count * width];
        var slots = new long[rowList.Count * width];
        Array.Fill(targets, IgnoredTarget);
        Array.Fill(slots, -1);
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
                for (int v = 0; v < virtualTokens; v++, t++)
                {
                    slots[b * width + t] = v;
                    segments[b][t] = s;
                }
                for (int j = 0; j < conversation.Length; j++, t++)
                {
                    inputs[b * width + t] = conversation.Inputs[j];
                    if (conversation.Supervised[j]) targets[b * width + t] = conversation.Targets[j];
                    segments[b][t] = s;
                }
                real += conversation.Length;
            }
        }
        return new SftBatch(tensor(inputs, [rowList.Count, width]).to(device), tensor(targets, [rowList.Count, width]).to(device),
            SequenceLayout.FromSegments(segments, device), virtualTokens > 0 ? tensor(slots, [rowList.Count, width]).to(device) : null, real);
    }

    /// <summary>Cross-entropy summed over supervised targets, and their count.</summary>
    /// <param name="prompt">The prompt-tuning embedding the batch was built for (with its virtual tokens); null for none.</param>
    public (Tensor Sum, long Count) LossSum(CausalLanguageModel model, PromptTuning.PromptEmbedding? prompt = null)
    {
        var logits = Logits(model, prompt);
        var sum = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), Targets.view(-1), ignore_index: IgnoredTarget, reduction: nn.Reduction.Sum);
        return (sum, Targets.ne(IgnoredTarget).sum().item<long>());
    }

    /// <summary>
    /// Per row: the log-probability of its supervised targets, summed (a graph to the logits), and how many there are.
    /// Preference objectives build one row per sequence, so a row's sum is that sequence's completion log-probability.
    /// </summary>
    /// <param name="prompt">The prompt-tuning embedding the batch was built for (with its virtual tokens); null for none.</param>
    public (Tensor Sums, Tensor Counts) RowLogProbabilities(CausalLanguageModel model, PromptTuning.PromptEmbedding? prompt = null) =>
        (TokenLogProbabilities(model, prompt).sum(1), Targets.ne(IgnoredTarget).sum(1));

    /// <summary>The log-probability of every supervised target [B, T] (0 elsewhere, virtual tokens included), with a graph to the logits.</summary>
    /// <param name="prompt">The prompt-tuning embedding the batch was built for (with its virtual tokens); null for none.</param>
    public Tensor TokenLogProbabilities(CausalLanguageModel model, PromptTuning.PromptEmbedding? prompt = null)
    {
        var logits = Logits(model, prompt);
        var scored = Targets.ne(IgnoredTarget);
        var safeTargets = where(scored, Targets, zeros_like(Targets));
        return logits.log_softmax(-1).gather(-1, safeTargets.unsqueeze(-1)).squeeze(-1) * scored.to_type(logits.dtype);
    }

    private Tensor Logits(CausalLanguageModel model, PromptTuning.PromptEmbedding? prompt)
    {
        if ((prompt is null) != (VirtualSlots is null)) throw new ArgumentException("A batch with virtual tokens needs its prompt embedding, and only such a batch takes one.");
        return prompt is null ? model.Forward(Inputs, Layout) : prompt.Forward(Inputs, VirtualSlots!, Layout);
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        Layout.Dispose();
        VirtualSlots?.Dispose();
    }
}
