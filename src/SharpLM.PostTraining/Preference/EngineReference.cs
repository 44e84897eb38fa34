using SharpLM.Inference;
using SharpLM.Inference.Evaluation;
using SharpLM.PostTraining.Sft;

namespace SharpLM.PostTraining.Preference;

/// <summary>
/// The reference model's log-probabilities of every pair's completions, computed by the pure C# engine: training
/// then holds one libtorch model (the policy) instead of two. For a LoRA run the reference is the base model, which
/// is what TRL uses for a PEFT policy (the model with its adapters disabled).
/// </summary>
public static class EngineReference
{
    public static List<PairLogps> Compute(EngineModel model, IReadOnlyList<TokenizedPair> pairs, int threads, IProgress<int>? progress = null)
    {
        var session = model.NewSession(threads);
        var result = new List<PairLogps>(pairs.Count);
        foreach (var pair in pairs)
        {
            var (chosen, chosenTokens) = Of(session, pair.Chosen);
            var (rejected, rejectedTokens) = Of(session, pair.Rejected);
            result.Add(new PairLogps(chosen, rejected, chosenTokens, rejectedTokens));
            progress?.Report(result.Count);
        }
        return result;
    }

    private static (double Sum, int Count) Of(IDecoderSession session, TokenizedConversation side) =>
        CompletionLogProbability.Of(session, side.Inputs, side.Targets, side.Supervised);
}
