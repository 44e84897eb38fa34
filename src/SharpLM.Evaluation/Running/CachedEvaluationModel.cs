using System.Text.Json;

namespace SharpLM.Evaluation.Running;

/// <summary>
/// A model whose answers go through a <see cref="RequestCache"/>: a request answered before (in this run or a run
/// that was stopped) is read back, any other is asked of the inner model and stored as soon as it returns. Counts
/// both, for progress and metrics.
/// </summary>
public sealed class CachedEvaluationModel(IEvaluationModel inner, RequestCache cache) : IEvaluationModel
{
    private int _computed, _cached;

    public string Name => inner.Name;
    public int Computed => _computed;
    public int Cached => _cached;

    public LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request) =>
        Through("loglikelihood", request, () => inner.Loglikelihood(request), a => new LoglikelihoodResult(Number(a.GetProperty("LogLikelihood")), a.GetProperty("IsGreedy").GetBoolean()));

    public double LoglikelihoodRolling(string text) =>
        Through("loglikelihood_rolling", text, () => inner.LoglikelihoodRolling(text), Number);

    public string Generate(GenerationRequest request) =>
        Through("generate_until", request, () => inner.Generate(request), a => a.GetString()!);

    private T Through<T>(string kind, object request, Func<T> ask, Func<JsonElement, T> read) where T : notnull
    {
        string key = cache.Key(kind, request);
        if (cache.TryGet(key, out var answer))
        {
            Interlocked.Increment(ref _cached);
            return read(answer);
        }
        T result = ask();
        cache.Store(key, result);
        Interlocked.Increment(ref _computed);
        return result;
    }

    // Log-likelihoods of impossible continuations are -Infinity, stored as the string "-Infinity".
    private static double Number(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? double.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : element.GetDouble();
}
