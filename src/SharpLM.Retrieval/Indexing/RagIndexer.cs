using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Indexing;

/// <summary>
/// Brings an index up to date with a documents JSONL file: documents whose text hash is new or changed are chunked,
/// embedded and written (a changed one replaces its old chunks), documents no longer in the file are removed, and
/// unchanged documents are not touched. A first pass over the file plans the work, so progress has a total.
/// </summary>
public sealed class RagIndexer(IRagStore store, BatchEmbedder embedder, ChunkingOptions chunking)
{
    /// <summary>Chunks embedded and written per transaction, bounding memory whatever the corpus size.</summary>
    public int GroupChunks { get; init; } = 512;

    public IndexReport Run(string documentsPath, Action<IndexProgress>? progress = null, CancellationToken cancel = default)
    {
        chunking.Validate();
        var chunker = new Chunker(chunking);
        store.Configure(embedder.Name, embedder.Dimensions, chunking.Describe());
        var indexed = store.DocumentHashes();
        long rowsBefore = store.RowsWritten;

        var clock = Stopwatch.StartNew();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var work = new Dictionary<string, string>(StringComparer.Ordinal); // id -> content hash, for documents to (re)write
        long totalChunks = 0;
        int read = 0, unchanged = 0;
        foreach (var document in DocumentJsonl.Read(documentsPath))
        {
            read++;
            if (!seen.Add(document.Id)) throw new SharpLMException($"{documentsPath}: document id '{document.Id}' appears more than once.");
            string hash = ContentHash(document.Text);
            if (indexed.TryGetValue(document.Id, out string? old) && old == hash) { unchanged++; continue; }
            work[document.Id] = hash;
            totalChunks += chunker.Split(document.Id, document.Text).Count;
        }
        double planning = clock.Elapsed.TotalSeconds;

        int added = 0, changed = 0, chunksWritten = 0;
        double embedding = 0, writing = 0;
        long done = 0;
        var group = new List<(Document Document, string Hash, List<TextChunk> Chunks)>();
        void Flush()
        {
            if (group.Count == 0) return;
            var texts = group.SelectMany(g => g.Chunks.Select(c => c.Text)).ToList();
            var started = Stopwatch.GetTimestamp();
            var vectors = embedder.Embed(texts, n => progress?.Invoke(new IndexProgress(Interlocked.Add(ref done, n), totalChunks)), cancel);
            embedding += Stopwatch.GetElapsedTime(started).TotalSeconds;
            started = Stopwatch.GetTimestamp();
            store.InTransaction(() =>
            {
                int offset = 0;
                foreach (var (document, hash, chunks) in group)
                {
                    if (indexed.ContainsKey(document.Id)) { store.DeleteDocument(document.Id); changed++; } else added++;
                    store.AddDocument(document, hash, chunks, vectors[offset..(offset + chunks.Count)]);
                    offset += chunks.Count;
                    chunksWritten += chunks.Count;
                }
            });
            writing += Stopwatch.GetElapsedTime(started).TotalSeconds;
            group.Clear();
        }

        if (work.Count > 0)
        {
            progress?.Invoke(new IndexProgress(0, totalChunks));
            clock.Restart();
            int pending = 0;
            foreach (var document in DocumentJsonl.Read(documentsPath))
            {
                if (!work.TryGetValue(document.Id, out string? hash)) continue;
                var chunks = chunker.Split(document.Id, document.Text);
                group.Add((document, hash, chunks));
                pending += chunks.Count;
                if (pending >= GroupChunks) { Flush(); pending = 0; }
            }
            Flush();
        }

        var removed = indexed.Keys.Where(id => !seen.Contains(id)).ToList();
        if (removed.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            store.InTransaction(() => { foreach (string id in removed) store.DeleteDocument(id); });
            writing += Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
        return new IndexReport(read, added, changed, unchanged, removed.Count, chunksWritten, store.RowsWritten - rowsBefore,
            planning, embedding, writing, store.ChunkCount);
    }

    public static string ContentHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
