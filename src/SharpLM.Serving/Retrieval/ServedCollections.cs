using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using SharpLM.Serving.Api;

namespace SharpLM.Serving.Retrieval;

/// <summary>
/// The retrieval indexes a server answers from (`serve --rag NAME=rag.db`), each opened once with the embedder its
/// index records. A store holds one connection (to its SQLite file or PostgreSQL server), which serves one caller at a
/// time, so each collection's searches take turns.
/// </summary>
public sealed class ServedCollections : IDisposable
{
    private sealed record Collection(IRagStore Store, IDisposable Embeddings, Retriever Retriever, Lock Gate);

    private readonly Dictionary<string, Collection> _collections;

    private ServedCollections(Dictionary<string, Collection> collections) => _collections = collections;

    /// <summary>Opens every index; a missing or unreadable one, or a name given twice, stops the start.</summary>
    public static ServedCollections Open(IReadOnlyList<RagCollectionSource> sources)
    {
        var collections = new Dictionary<string, Collection>(StringComparer.Ordinal);
        try
        {
            foreach (var source in sources)
            {
                if (collections.ContainsKey(source.Name))
                    throw new Core.SharpLMException($"--rag: two collections are named '{source.Name}'; give each a name of its own.");
                var store = RagStores.Open(source.Database, create: false);
                try
                {
                    var embeddings = Embedders.ForIndex(store);
                    collections[source.Name] = new Collection(store, embeddings, new Retriever(store, new BatchEmbedder(embeddings)), new Lock());
                }
                catch
                {
                    store.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            foreach (var collection in collections.Values) Dispose(collection);
            throw;
        }
        return new ServedCollections(collections);
    }

    /// <summary>The <paramref name="topK"/> best chunks of the named collection, numbered from 1 as the prompt shows them.</summary>
    public List<(NumberedChunk Chunk, double Score)> Retrieve(string collection, string query, RetrievalMethod method, int topK)
    {
        if (!_collections.TryGetValue(collection, out var served))
            throw RequestError.Invalid("retrieval.collection", _collections.Count == 0
                ? $"'retrieval.collection' names '{collection}', but this server serves no retrieval collection (start it with --rag NAME=rag.db)."
                : $"'retrieval.collection' names '{collection}', which this server does not serve (it serves {string.Join(", ", _collections.Keys.Order(StringComparer.Ordinal))}).");
        lock (served.Gate)
            return served.Retriever.Search(query, method, topK)
                .Select((ranked, i) => (new NumberedChunk(i + 1, served.Store.GetChunk(ranked.ChunkId)), ranked.Score)).ToList();
    }

    private static void Dispose(Collection collection)
    {
        collection.Embeddings.Dispose();
        collection.Store.Dispose();
    }

    public void Dispose()
    {
        foreach (var collection in _collections.Values) Dispose(collection);
    }
}
