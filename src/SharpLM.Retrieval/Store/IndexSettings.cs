using SharpLM.Core;

namespace SharpLM.Retrieval.Store;

/// <summary>The settings an index records when it is first built, and the check that later runs use the same ones.</summary>
public static class IndexSettings
{
    public const string Embedder = "embedder", Dimensions = "dimensions", Chunking = "chunking";

    public static (string Key, string Value)[] Record(string embedder, int dimensions, string chunking) =>
        [(Embedder, embedder), (Dimensions, dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture)), (Chunking, chunking)];

    /// <summary>Throws the one-line error for the first setting of an existing index that differs from the ones given.</summary>
    public static void RequireSame(IRagStore store, string embedder, int dimensions, string chunking)
    {
        string known = store.Setting(Embedder)!;
        if (known != embedder)
            throw new SharpLMException($"{store.Location}: the index was built with the embedder '{known}', not '{embedder}'; use that embedder or a new index.");
        if (store.Setting(Dimensions) is { } stored && stored != dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new SharpLMException($"{store.Location}: the index holds {stored}-dimensional vectors, the embedder '{embedder}' makes {dimensions}-dimensional ones; use a new index.");
        if (store.Setting(Chunking) != chunking)
            throw new SharpLMException($"{store.Location}: the index was built with chunking '{store.Setting(Chunking)}', not '{chunking}'; use the same options or a new index.");
    }

    /// <summary>The vector width an index records; an index without one has never been built.</summary>
    public static int DimensionsOf(IRagStore store) =>
        int.Parse(store.Setting(Dimensions) ?? throw new SharpLMException($"{store.Location}: the index is empty (no embedder recorded yet)."),
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether a dense search can run: false for an index that has no embedder yet (nothing to find); throws when the
    /// query's width is not the index's.
    /// </summary>
    public static bool CanSearchDense(IRagStore store, float[] queryEmbedding)
    {
        if (store.Setting(Embedder) is null) return false;
        int dimensions = DimensionsOf(store);
        if (queryEmbedding.Length != dimensions)
            throw new SharpLMException($"{store.Location}: the query embedding has {queryEmbedding.Length} dimensions, the index {dimensions}.");
        return true;
    }
}
