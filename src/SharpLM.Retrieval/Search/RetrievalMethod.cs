using SharpLM.Core;

namespace SharpLM.Retrieval.Search;

public enum RetrievalMethod { Bm25, Dense, Hybrid }

public static class RetrievalMethods
{
    public static IReadOnlyList<RetrievalMethod> All { get; } = [RetrievalMethod.Bm25, RetrievalMethod.Dense, RetrievalMethod.Hybrid];

    public static string Name(RetrievalMethod method) => method.ToString().ToLowerInvariant();

    public static RetrievalMethod Parse(string name) => name.ToLowerInvariant() switch
    {
        "bm25" => RetrievalMethod.Bm25,
        "dense" => RetrievalMethod.Dense,
        "hybrid" => RetrievalMethod.Hybrid,
        _ => throw new SharpLMException($"--method must be bm25, dense or hybrid, got '{name}'."),
    };
}
