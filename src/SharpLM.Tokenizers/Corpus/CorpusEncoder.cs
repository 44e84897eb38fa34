using System.Security.Cryptography;
using System.Text;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Corpus;

/// <summary>What was encoded; <paramref name="TrainConversations"/> counts the conversations mixed into the training shard (and its document count).</summary>
public sealed record CorpusEncodingResult(long TrainTokens, long ValidationTokens, int TrainDocuments, int ValidationDocuments, long Bytes,
    int TrainConversations = 0);

/// <summary>
/// Encodes documents into a training and a validation token shard. Each document is followed by the
/// end-of-text token, so the model learns where documents end. The split is by a hash of the document id,
/// so it is deterministic and does not depend on document order. Documents are encoded in parallel, in
/// order-preserving batches, and written as they complete (memory holds one batch, not the corpus). Conversations, when
/// given (<see cref="ConversationMix"/>), are spread through the training shard, each also followed by end-of-text.
/// </summary>
public static class CorpusEncoder
{
    public static CorpusEncodingResult Encode(IEnumerable<Document> documents, BpeTokenizer tokenizer, string trainPath,
        string validationPath, double validationFraction, IProgress<long>? bytesProgress = null, ConversationMix? conversations = null) =>
        Encode(documents.Select(d => (d, IsValidation(d.Id, validationFraction))), tokenizer, trainPath, validationPath, bytesProgress, conversations);

    /// <summary>Encodes documents already split upstream (the data pipeline's train and validation shards).</summary>
    public static CorpusEncodingResult Encode(IEnumerable<Document> train, IEnumerable<Document> validation, BpeTokenizer tokenizer,
        string trainPath, string validationPath, IProgress<long>? bytesProgress = null, ConversationMix? conversations = null) =>
        Encode(train.Select(d => (d, false)).Concat(validation.Select(d => (d, true))), tokenizer, trainPath, validationPath, bytesProgress, conversations);

    private static CorpusEncodingResult Encode(IEnumerable<(Document Document, bool Validation)> documents, BpeTokenizer tokenizer,
        string trainPath, string validationPath, IProgress<long>? bytesProgress, ConversationMix? conversations)
    {
        int endOfText = tokenizer.EndOfTextId
            ?? throw new Core.SharpLMException($"the tokenizer has no '{SpecialTokens.EndOfText}' special token, which separates documents in shards.");
        using var train = new TokenShardWriter(trainPath, tokenizer.VocabularySize);
        using var validation = new TokenShardWriter(validationPath, tokenizer.VocabularySize);
        long bytes = 0, seen = 0;
        int mixed = 0;
        void AddConversations(int due)
        {
            for (; mixed < due; mixed++) train.AddDocument([.. conversations!.Conversations[mixed], endOfText]);
        }
        foreach (var batch in documents.Chunk(256))
        {
            var encoded = batch.AsParallel().AsOrdered()
                .Select(d =>
                {
                    var ids = tokenizer.Encode(d.Document.Text, allowSpecial: false);
                    ids.Add(endOfText);
                    return (d.Document, d.Validation, Ids: ids.ToArray());
                })
                .ToList();
            foreach (var (document, isValidation, ids) in encoded)
            {
                (isValidation ? validation : train).AddDocument(ids);
                bytes += Encoding.UTF8.GetByteCount(document.Text);
                if (conversations is not null) AddConversations(conversations.DueAfter(++seen));
            }
            bytesProgress?.Report(bytes);
        }
        if (conversations is not null) AddConversations(conversations.Conversations.Count);
        train.Complete();
        validation.Complete();
        return new CorpusEncodingResult(train.TokenCount, validation.TokenCount, train.DocumentCount, validation.DocumentCount, bytes, mixed);
    }

    /// <summary>A document goes to validation when the first 8 bytes of SHA-256(id), as a fraction of 2^64, fall below the fraction.</summary>
    public static bool IsValidation(string documentId, double validationFraction)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(documentId), hash);
        ulong value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
        return value / 18446744073709551616.0 < validationFraction;
    }
}
