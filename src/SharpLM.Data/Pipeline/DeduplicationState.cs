using System.Text;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Data.Dedup;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// The only state that spans units of work: exact-text keys and the MinHash-LSH index of the documents kept so
/// far. Each unit's documents that reached the index (id, exact key, signature) are journaled beside its shards, so a resumed
/// run rebuilds the same index by replaying the journals, without re-reading any input.
/// Memory and journal size grow with kept documents: 16 bytes of exact key plus the index's band keys per document.
/// </summary>
public sealed class DeduplicationState
{
    private static readonly byte[] Magic = "SLMDEDUP"u8.ToArray();
    private readonly ExactDeduplicator? _exact;
    private readonly MinHashLshIndex? _index;
    private readonly int _signatureLength;
    private readonly List<(string Id, UInt128 Key, ulong[]? Signature)> _pending = new();

    public DeduplicationState(DedupConfig config)
    {
        _exact = config.Exact ? new ExactDeduplicator() : null;
        if (config.MinHash is { } options)
        {
            _index = new MinHashLshIndex(options);
            _signatureLength = options.Bands * options.Rows;
        }
    }

    public long ApproximateBytes => (_exact?.Count ?? 0) * 16L + (_index?.ApproximateBytes ?? 0);

    /// <summary>Decides, in input order, whether an analysed document repeats one kept earlier; keeps it otherwise.</summary>
    public void Check(DocumentWork work, List<DuplicatePair> duplicates)
    {
        if (!work.Kept) return;
        work.DroppedBy = Check(work.Raw.Id, work.ExactKey, work.Signature, duplicates);
    }

    /// <summary>The same decision from a document's keys alone (the merge of a sharded run): the drop rule, or null to keep it.</summary>
    public string? Check(string id, UInt128 exactKey, ulong[]? signature, List<DuplicatePair> duplicates)
    {
        if (_exact is not null && !_exact.IsFirstOccurrence(exactKey)) return "dedup.exact";
        // Near-duplicates enter the index too (their bands point at their representative), so they are journaled as well.
        _pending.Add((id, exactKey, signature));
        if (_index is not null && signature is not null && !_index.TryAdd(id, signature, out string? representative))
        {
            duplicates.Add(new DuplicatePair(representative!, id, "near"));
            return "dedup.near";
        }
        return null;
    }

    /// <summary>Writes the documents indexed since the last call as a journal file (atomically) and forgets them.</summary>
    public void WriteJournal(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(_pending.Count);
            writer.Write(_signatureLength);
            foreach (var (id, key, signature) in _pending)
            {
                writer.Write(id);
                writer.Write((ulong)(key >> 64));
                writer.Write((ulong)key);
                for (int i = 0; i < _signatureLength; i++) writer.Write(signature is null ? 0UL : signature[i]);
            }
        });
        _pending.Clear();
    }

    /// <summary>Re-adds the documents of a journal written by an earlier run with the same settings.</summary>
    public void Replay(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new SharpLMException($"{path}: not a deduplication journal.");
            int count = reader.ReadInt32();
            int length = reader.ReadInt32();
            if (length != _signatureLength)
                throw new SharpLMException($"{path}: journal holds {length}-value signatures but the config asks for {_signatureLength}; restart the run.");
            var signature = new ulong[length];
            for (int n = 0; n < count; n++)
            {
                string id = reader.ReadString();
                var key = new UInt128(reader.ReadUInt64(), reader.ReadUInt64());
                for (int i = 0; i < length; i++) signature[i] = reader.ReadUInt64();
                _exact?.IsFirstOccurrence(key);
                _index?.TryAdd(id, signature, out _);
            }
        }
        catch (EndOfStreamException)
        {
            throw new SharpLMException($"{path}: the deduplication journal is truncated; restart the run.");
        }
    }
}
