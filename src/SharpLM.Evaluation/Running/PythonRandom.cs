namespace SharpLM.Evaluation.Running;

/// <summary>
/// CPython's <c>random.Random</c> for what lm-eval's few-shot sampler uses: seeding from an integer, <c>random()</c>
/// and <c>sample(population, k)</c>, on the same Mersenne Twister (MT19937) stream, so that the same seed picks the
/// same few-shot examples as lm-eval.
/// </summary>
public sealed class PythonRandom
{
    private const int N = 624, M = 397;
    private readonly uint[] _state = new uint[N];
    private int _index;

    /// <summary><c>random.Random(seed)</c>: init_by_array over the 32-bit words of |seed|, least significant first.</summary>
    public PythonRandom(long seed)
    {
        ulong magnitude = (ulong)Math.Abs(seed);
        var key = new List<uint>();
        do
        {
            key.Add((uint)magnitude);
            magnitude >>= 32;
        }
        while (magnitude != 0);
        InitByArray(key);
    }

    private void InitGenrand(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++) _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    private void InitByArray(List<uint> key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Count); k > 0; k--)
        {
            _state[i] = (_state[i] ^ ((_state[i - 1] ^ (_state[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++;
            j++;
            if (i >= N) { _state[0] = _state[N - 1]; i = 1; }
            if (j >= key.Count) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _state[i] = (_state[i] ^ ((_state[i - 1] ^ (_state[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _state[0] = _state[N - 1]; i = 1; }
        }
        _state[0] = 0x80000000u;
        _index = N;
    }

    public uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int k = 0; k < N; k++)
            {
                uint y = (_state[k] & 0x80000000u) | (_state[(k + 1) % N] & 0x7fffffffu);
                _state[k] = _state[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
            }
            _index = 0;
        }
        uint x = _state[_index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680u;
        x ^= (x << 15) & 0xefc60000u;
        x ^= x >> 18;
        return x;
    }

    /// <summary><c>random()</c>: 53 bits from two draws.</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>_randbelow</c>: draws of n's bit length until one is below n.</summary>
    public int Below(int n)
    {
        if (n <= 0) return 0;
        int bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = NextUInt32() >> (32 - bits);
        while (r >= n) r = NextUInt32() >> (32 - bits);
        return (int)r;
    }

    /// <summary><c>sample(population, k)</c>, with both of CPython's strategies (a shrinking pool for small populations, a set of drawn indices otherwise).</summary>
    public List<T> Sample<T>(IReadOnlyList<T> population, int k)
    {
        int n = population.Count;
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), "sample larger than population");
        var result = new List<T>(k);
        int setSize = 21;
        if (k > 5) setSize += (int)Math.Pow(4, Math.Ceiling(Math.Log(k * 3, 4)));
        if (n <= setSize)
        {
            var pool = population.ToList();
            for (int i = 0; i < k; i++)
            {
                int j = Below(n - i);
                result.Add(pool[j]);
                pool[j] = pool[n - i - 1];
            }
        }
        else
        {
            var selected = new HashSet<int>();
            for (int i = 0; i < k; i++)
            {
                int j = Below(n);
                while (selected.Contains(j)) j = Below(n);
                selected.Add(j);
                result.Add(population[j]);
            }
        }
        return result;
    }
}
