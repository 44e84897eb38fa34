using SharpLM.Core.Formats.Chat;
using SharpLM.PostTraining.Sft;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class SftLossTests
{
    private static List<TokenizedConversation> Conversations(int count) =>
        ChatJsonl.Read(ChatFixture.ChatFile).Take(count).Select(e => TokenizedConversation.From(e, ChatFixture.Template, 128)!).ToList();

    private static (double Loss, float[] Gradient) LossAndGradient(List<TokenizedConversation> conversations, IEnumerable<int[]> rows)
    {
        using var model = ChatFixture.Model();
        using var batch = SftBatch.Build(conversations, rows, CPU);
        var (sum, count) = batch.LossSum(model);
        using var loss = sum / count;
        loss.backward();
        var gradient = model.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        return (loss.item<float>(), gradient);
    }

    [Fact]
    public void Only_assistant_tokens_are_targets()
    {
        var conversation = Conversations(1)[0];
        var rendered = ChatFixture.Template.Render(ChatJsonl.Read(ChatFixture.ChatFile).First().Turns.Select(t => new Tokenizers.Chat.ChatMessage(t.Role, t.Content)).ToList());
        Assert.Equal(rendered.AssistantMask[1..], conversation.Supervised);
        Assert.Contains(false, conversation.Supervised);
        // The turn's closing marker is trained: the model learns to stop.
        int turnEnd = ChatFixture.Template.TurnEndId;
        Assert.All(Enumerable.Range(0, conversation.Length).Where(i => conversation.Targets[i] == turnEnd && rendered.AssistantMask[i + 1]),
            i => Assert.True(conversation.Supervised[i]));
    }

    [Fact]
    public void Perturbing_a_non_assistant_target_changes_neither_loss_nor_gradient()
    {
        var conversations = Conversations(3);
        var (loss, gradient) = LossAndGradient(conversations, [[0, 1, 2]]);

        var first = conversations[0];
        int unsupervised = Array.IndexOf(first.Supervised, false);
        int supervised = Array.IndexOf(first.Supervised, true);
        var perturbedTargets = (int[])first.Targets.Clone();
        perturbedTargets[unsupervised] = (perturbedTargets[unsupervised] + 7) % ChatFixture.Tokenizer.VocabularySize;
        var perturbed = new List<TokenizedConversation>(conversations) { [0] = first with { Targets = perturbedTargets } };
        var (loss2, gradient2) = LossAndGradient(perturbed, [[0, 1, 2]]);
        Assert.Equal(loss, loss2);
        Assert.Equal(gradient, gradient2);

        // The same change on an assistant target does move both: the check above can fail.
        var changedTargets = (int[])first.Targets.Clone();
        changedTargets[supervised] = (changedTargets[supervised] + 7) % ChatFixture.Tokenizer.VocabularySize;
        var changed = new List<TokenizedConversation>(conversations) { [0] = first with { Targets = changedTargets } };
        var (loss3, gradient3) = LossAndGradient(changed, [[0, 1, 2]]);
        Assert.NotEqual(loss, loss3);
        Assert.NotEqual(gradient, gradient3);
    }

    [Fact]
    public void A_packed_row_gives_the_loss_and_gradient_of_the_conversations_padded_one_per_row()
    {
        var conversations = Conversations(4);
        var (packed, packedGradient) = LossAndGradient(conversations, [[0, 1, 2, 3]]);
        var (padded, paddedGradient) = LossAndGradient(conversations, [[0], [1], [2], [3]]);
        Near(padded, packed, 1e-5);
        for (int i = 0; i < packedGradient.Length; i++) Near(paddedGradient[i], packedGradient[i], 1e-4);
    }

    [Fact]
    public void Each_packed_conversation_sees_what_it_would_see_alone()
    {
        // Logits of the second conversation in a packed row equal its logits run alone: no attention crosses over
        // and positions restart (a second implementation: the plain causal forward pass on the conversation alone).
        var conversations = Conversations(2);
        using var model = ChatFixture.Model();
        using var noGrad = no_grad();
        using var batch = SftBatch.Build(conversations, [[0, 1]], CPU);
        using var packed = model.Forward(batch.Inputs, batch.Layout);
        using var alone = model.forward(tensor(conversations[1].Inputs.Select(i => (long)i).ToArray(), [1, conversations[1].Length]));
        using var slice = packed.narrow(1, conversations[0].Length, conversations[1].Length);
        Assert.True(slice.allclose(alone, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Best_fit_decreasing_fills_rows_tightly_and_keeps_every_conversation_once()
    {
        var lengths = new[] { 7, 5, 4, 3, 3, 2, 1 };
        var conversations = lengths.Select(n => new TokenizedConversation(new int[n], new int[n], new bool[n])).ToList();
        var rows = ConversationPacking.Rows(conversations, capacity: 8, pack: true);
        // By hand: 7 opens row A (free 1), 5 opens B (free 3), 4 opens C (free 4), 3 → B (free 0), 3 → C (free 1), 2 opens D, 1 → A.
        Assert.Equal([[0, 6], [1, 3], [2, 4], [5]], rows);
        Assert.Equal(7, ConversationPacking.Rows(conversations, 8, pack: false).Count);
    }
}
