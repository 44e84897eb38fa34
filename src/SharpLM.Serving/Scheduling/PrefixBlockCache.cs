using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SharpLM.Serving.Scheduling;

/// <summary>One cached block: <see cref="PrefixBlockCache.BlockSize"/> tokens and their keys and values, following a parent block.</summary>
internal sealed class PrefixBlock(long id, long parentId, ulong hash, int[] tokens, float[] kv)
{
    public long Id { get; } = id;
    public long ParentId { get; } = parentId;
    public ulong Hash { get; } = hash;
    public int[] Tokens { get; } = tokens;
    /// <summary>The block's KV run (see <see cref="Inference.IKvTransfer"/>).</summary>
    public float[] Kv { get; } = kv;
    public int References { get; set; }
    /// <summary>Its place in the list of blocks no slot uses (null while one does).</summary>
    public LinkedListNode<PrefixBlock>? Idle { get; set; }
}

/// <summary>
/// KV blocks shared by every slot, as vLLM's automatic prefix caching: a prompt's positions are cut into blocks of
/// <see cref="BlockSize"/> tokens, each keyed by a hash of its parent block's hash and its own tokens, so a block
/// names its whole prefix. A new request takes the longest run of cached blocks that starts its prompt (tokens and
/// parent are compared on every hit, so a hash collision costs a miss, never wrong keys and values) and computes only
/// the rest. Blocks a running slot uses are referenced and never evicted; the others are evicted least recently used
/// first when the memory budget is reached, a run's last block before its first, so no kept block loses its parent.
/// Not thread-safe: the scheduler's thread owns it.
/// </summary>
internal sealed class PrefixBlockCache
{
    /// <summary>Computes a block's key from its parent's key and its tokens.</summary>
    public delegate ulong BlockHash(ulong parent, ReadOnlySpan<int> tokens);

    public const int DefaultBlockSize = 16;

    private readonly Dictionary<ulong, PrefixBlock> _blocks = new();
    private readonly LinkedList<PrefixBlock> _idle = new(); // least recently used first
    private readonly BlockHash _hash;
    private readonly int _floatsPerBlock, _capacity;
    private long _nextId = 1;

    /// <param name="floatsPerPosition">Floats one position's KV run takes (the backend's <see cref="ISlotBackend.KvFloatsPerPosition"/>).</param>
    public PrefixBlockCache(int blockSize, long budgetBytes, int floatsPerPosition, BlockHash? hash = null)
    {
        if (blockSize < 1 || floatsPerPosition < 1) throw new ArgumentOutOfRangeException(nameof(blockSize), "blocks need at least one position of at least one float.");
        BlockSize = blockSize;
        _floatsPerBlock = blockSize * floatsPerPosition;
        BlockBytes = (long)_floatsPerBlock * sizeof(float) + blockSize * sizeof(int);
        _capacity = (int)Math.Min(int.MaxValue, budgetBytes / BlockBytes);
        _hash = hash ?? Sha256Hash;
    }

    public int BlockSize { get; }
    public long BlockBytes { get; }
    /// <summary>Blocks the budget holds.</summary>
    public int Capacity => _capacity;
    public int Count => _blocks.Count;
    /// <summary>Fraction of the budget in use (0 to 1).</summary>
    public double Usage => _capacity == 0 ? 0 : _blocks.Count / (double)_capacity;

    /// <summary>The first 64 bits of SHA-256 over the parent's key and the tokens (little-endian).</summary>
    public static ulong Sha256Hash(ulong parent, ReadOnlySpan<int> tokens)
    {
        Span<byte> input = stackalloc byte[sizeof(ulong) + tokens.Length * sizeof(int)];
        BinaryPrimitives.WriteUInt64LittleEndian(input, parent);
        for (int i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(input[(sizeof(ulong) + i * sizeof(int))..], tokens[i]);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }

    /// <summary>
    /// The longest run of cached blocks that starts <paramref name="tokens"/> and covers at most <paramref name="limit"/>
    /// of them, each referenced until <see cref="Release"/>.
    /// </summary>
    public IReadOnlyList<PrefixBlock> Acquire(IReadOnlyList<int> tokens, int limit)
    {
        var run = new List<PrefixBlock>();
        if (_capacity == 0) return run;
        Span<int> block = stackalloc int[BlockSize];
        ulong parentHash = 0;
        long parentId = 0;
        for (int start = 0; start + BlockSize <= Math.Min(limit, tokens.Count); start += BlockSize)
        {
            for (int i = 0; i < BlockSize; i++) block[i] = tokens[start + i];
            ulong hash = _hash(parentHash, block);
            if (!_blocks.TryGetValue(hash, out var cached) || cached.ParentId != parentId || !block.SequenceEqual(cached.Tokens)) break;
            run.Add(cached);
            (parentHash, parentId) = (hash, cached.Id);
        }
        foreach (var cached in run)
        {
            if (cached.Idle is { } node) _idle.Remove(node);
            cached.Idle = null;
            cached.References++;
        }
        return run;
    }

    /// <summary>Drops a slot's references to its blocks; a block no slot uses becomes evictable, the run's last first.</summary>
    public void Release(IReadOnlyList<PrefixBlock> run)
    {
        foreach (var cached in run)
            if (cached.References <= 0) throw new InvalidOperationException("a prefix block was released more often than acquired.");
        for (int i = run.Count - 1; i >= 0; i--)
            if (--run[i].References == 0 && _blocks.TryGetValue(run[i].Hash, out var kept) && kept == run[i]) run[i].Idle = _idle.AddLast(run[i]);
    }

    /// <summary>
    /// Offers the full blocks of a slot's cached tokens: blocks already cached become the most recently used, new ones
    /// are copied out of the slot through <paramref name="readKv"/> (start, count, destination) while the budget allows.
    /// </summary>
    public void Publish(IReadOnlyList<int> tokens, ReadKv readKv)
    {
        if (_capacity == 0) return;
        var touched = new List<PrefixBlock>();
        int[] block = new int[BlockSize];
        ulong parentHash = 0;
        long parentId = 0;
        for (int start = 0; start + BlockSize <= tokens.Count; start += BlockSize)
        {
            for (int i = 0; i < BlockSize; i++) block[i] = tokens[start + i];
            ulong hash = _hash(parentHash, block);
            if (_blocks.TryGetValue(hash, out var cached))
            {
                // Another prefix holds this key: keep it, and publish nothing after (those blocks could never be found).
                if (cached.ParentId != parentId || !block.AsSpan().SequenceEqual(cached.Tokens)) break;
            }
            else
            {
                var kv = TakeRoom(touched);
                if (kv is null) break;
                readKv(start, BlockSize, kv);
                cached = new PrefixBlock(_nextId++, parentId, hash, (int[])block.Clone(), kv);
                _blocks.Add(hash, cached);
            }
            touched.Add(cached);
            (parentHash, parentId) = (hash, cached.Id);
        }
        // Most recently used, the run's first block last, so that a run is evicted from its end.
        for (int i = touched.Count - 1; i >= 0; i--)
        {
            var cached = touched[i];
            if (cached.References > 0) continue;
            if (cached.Idle is { } node) _idle.Remove(node);
            cached.Idle = _idle.AddLast(cached);
        }
    }

    public delegate void ReadKv(int start, int count, Span<float> destination);

    /// <summary>A block's worth of floats: new while under budget, else the least recently used idle block's (evicting it); null when every block is in use.</summary>
    private float[]? TakeRoom(List<PrefixBlock> keep)
    {
        if (_blocks.Count < _capacity) return new float[_floatsPerBlock];
        for (var node = _idle.First; node is not null; node = node.Next)
        {
            var victim = node.Value;
            if (keep.Contains(victim)) continue; // an ancestor of the blocks being published
            _idle.Remove(node);
            victim.Idle = null;
            _blocks.Remove(victim.Hash);
            return victim.Kv;
        }
        return null;
    }
}
