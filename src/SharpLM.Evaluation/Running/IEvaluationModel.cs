namespace SharpLM.Evaluation.Running;

/// <summary>Log-likelihood of <see cref="Continuation"/> after <see cref="Context"/>, split as lm-eval splits it.</summary>
public sealed record LoglikelihoodRequest(string Context, string Continuation);

/// <summary>The summed log-probability of the continuation's tokens, and whether greedy decoding would have produced them.</summary>
public sealed record LoglikelihoodResult(double LogLikelihood, bool IsGreedy);

public sealed record GenerationRequest(string Context, IReadOnlyList<string> Until, int MaxTokens, bool DoSample, double Temperature);

/// <summary>What a task needs from a model: the three request kinds lm-eval defines.</summary>
public interface IEvaluationModel
{
    string Name { get; }

    LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request);

    /// <summary>Log-likelihood of a whole text, in lm-eval's rolling windows of the model's context.</summary>
    double LoglikelihoodRolling(string text);

    string Generate(GenerationRequest request);
}
