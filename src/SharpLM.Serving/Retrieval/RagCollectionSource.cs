namespace SharpLM.Serving.Retrieval;

/// <summary>A retrieval index the server answers from, and the name requests give in "retrieval.collection".</summary>
public sealed record RagCollectionSource(string Name, string Database)
{
    /// <summary>`NAME=rag.db`, as `--rag` takes it.</summary>
    public static RagCollectionSource Parse(string text)
    {
        int equals = text.IndexOf('=');
        string name = equals < 0 ? "" : text[..equals].Trim(), database = equals < 0 ? "" : text[(equals + 1)..];
        if (name.Length == 0 || database.Length == 0)
            throw new Core.SharpLMException($"--rag '{text}': give NAME=rag.db, the collection's name and its index (a file, or a PostgreSQL URI or connection string).");
        return new RagCollectionSource(name, database);
    }
}
