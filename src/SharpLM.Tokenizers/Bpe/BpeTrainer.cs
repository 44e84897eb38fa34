using System.Collections.Concurrent;
using System.Text;
using SharpLM.Core;

namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// Progress of a training run: merges learned so far out of the target. The last report of the "merging" phase
/// has <see cref="Done"/> equal to the merges actually learned, and <see cref="StoppedEarly"/> says why when
/// that is fewer than <see cref="Total"/>.
/// </summary>
public readonly record struct BpeTrainingProgress(string Phase, long Done, long Total, string? StoppedEarly = null);

/// <summary>
/// Trains a byte-level BPE tokenizer. Written by hand because no .NET library trains BPE (Microsoft.ML.Tokenizers
/// only applies it).
///
/// Algorithm: pre-tokenize every document once, in parallel, and count distinct pre-token "words"; from then on
/// work on (word, count) pairs. Pair counts are kept in a table together with the list of words each pair
/// occurs in, and a priority queue orders pairs by count. Each merge rewrites only the words that contain the
/// chosen pair and applies the resulting count changes, so a merge costs time proportional to the words it
/// touches, never a recount of the corpus. Queue entries whose count has since changed are detected when
/// popped and re-queued with the current count.
///
/// Special tokens take the last ids of the requested vocabulary (see <see cref="SpecialTokens"/>); ids that
/// merges did not reach are filled with <see cref="ReservedTokens"/>.
///
/// Determinism: the most frequent pair wins; ties go to the pair with the smaller left token id, then the
/// smaller right token id (ids 0–255 are the byte values, merges take ids from 256 in the order learned).
/// </summary>
public static class BpeTrainer
{
    public const int MaxVocabularySize = 1 << 21;

    public static BpeTokenizer Train(IEnumerable<string> documents, BpeTrainerOptions options, IProgress<BpeTrainingProgress>? progress = null)
    {
        // Ids the merges do not reach get reserved tokens (held in memory and written out), so the size is bounded:
        // eight times the largest vocabularies in use (256k) is ample.
        if (options.VocabularySize > MaxVocabularySize)
            throw new SharpLMException($"vocabulary size {options.VocabularySize} is above the supported maximum of {MaxVocabularySize}.");
        int mergeBudget = options.VocabularySize - 256 - options.SpecialTokens.Count;
        if (mergeBudget < 0)
            throw new SharpLMException($"vocabulary size {options.VocabularySize} is too small: it must hold 256 byte tokens and {options.SpecialTokens.Count} special tokens.");

        for (int i = 0; i < options.SpecialTokens.Count; i++)
        {
            string special = options.SpecialTokens[i];
            // Checked before the corpus is read, since the finished tokenizer would refuse them only after training.
            if (string.IsNullOrWhiteSpace(special)) throw new SharpLMException($"special token {i + 1} of {options.SpecialTokens.Count} is empty or only whitespace.");
            if (special.Length == 1 && ByteLevelAlphabet.TryCharToByte(special[0], out _))
                throw new SharpLMException($"special token '{special}' is also a byte token of the vocabulary.");
        }

        var wordCounts = CountWords(documents, options.PreTokenizerPattern, progress);
        var words = new List<int[]>(wordCounts.Count);
        var counts = new List<long>(wordCounts.Count);
        foreach (var (word, count) in wordCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            words.Add(Encoding.UTF8.GetBytes(word).Select(b => (int)b).ToArray());
            counts.Add(count);
        }

        var tokenBytes = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        var tokenIdByBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) tokenIdByBytes[ByteLevelAlphabet.Encode(tokenBytes[b])] = b;
        var merges = new List<(string, string)>();

        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, List<int>>();
        for (int w = 0; w < words.Count; w++)
        {
            var word = words[w];
            for (int i = 0; i + 1 < word.Length; i++)
            {
                long key = BpeTokenizer.PairKey(word[i], word[i + 1]);
                pairCounts[key] = pairCounts.GetValueOrDefault(key) + counts[w];
                AddWord(pairWords, key, w);
            }
        }

        var queue = new PriorityQueue<long, (long NegativeCount, long Pair)>();
        foreach (var (key, count) in pairCounts) queue.Enqueue(key, (-count, key));

        var lastVisit = new int[words.Count];
        Array.Fill(lastVisit, -1);
        var delta = new Dictionary<long, long>();
        int mergeIndex = 0;
        string? stoppedEarly = null;
        while (mergeIndex < mergeBudget)
        {
            if (!queue.TryDequeue(out long pair, out var priority))
            {
                stoppedEarly = "every pre-token of the corpus is already a single token";
                break;
            }
            long current = pairCounts.GetValueOrDefault(pair);
            if (current != -priority.NegativeCount)
            {
                if (current > 0) queue.Enqueue(pair, (-current, pair));
                continue;
            }
            if (current < options.MinPairFrequency)
            {
                stoppedEarly = $"no pair of tokens occurs {options.MinPairFrequency} or more times in the corpus any more (the minimum pair frequency)";
                break;
            }

            int left = (int)(pair >> 32), right = (int)(uint)pair;
            byte[] mergedBytes = [.. tokenBytes[left], .. tokenBytes[right]];
            string mergedToken = ByteLevelAlphabet.Encode(mergedBytes);
            if (!tokenIdByBytes.TryGetValue(mergedToken, out int newId))
            {
                newId = tokenBytes.Count;
                tokenBytes.Add(mergedBytes);
                tokenIdByBytes[mergedToken] = newId;
            }
            merges.Add((ByteLevelAlphabet.Encode(tokenBytes[left]), ByteLevelAlphabet.Encode(tokenBytes[right])));

            delta.Clear();
            foreach (int w in pairWords[pair])
            {
                if (lastVisit[w] == mergeIndex) continue;
                lastVisit[w] = mergeIndex;
                int[]? merged = ApplyMerge(words[w], left, right, newId);
                if (merged is null) continue;
                long count = counts[w];
                var old = words[w];
                for (int i = 0; i + 1 < old.Length; i++)
                {
                    long key = BpeTokenizer.PairKey(old[i], old[i + 1]);
                    delta[key] = delta.GetValueOrDefault(key) - count;
                }
                for (int i = 0; i + 1 < merged.Length; i++)
                {
                    long key = BpeTokenizer.PairKey(merged[i], merged[i + 1]);
                    delta[key] = delta.GetValueOrDefault(key) + count;
                    if (merged[i] == newId || merged[i + 1] == newId) AddWord(pairWords, key, w);
                }
                words[w] = merged;
            }
            foreach (var (key, change) in delta)
            {
                if (change == 0) continue;
                long updated = pairCounts.GetValueOrDefault(key) + change;
                if (updated > 0)
                {
                    pairCounts[key] = updated;
                    if (change > 0) queue.Enqueue(key, (-updated, key));
                }
                else pairCounts.Remove(key);
            }
            pairCounts.Remove(pair);
            pairWords.Remove(pair);
            mergeIndex++;
            if (mergeIndex % 64 == 0) progress?.Report(new BpeTrainingProgress("merging", mergeIndex, mergeBudget));
        }
        progress?.Report(new BpeTrainingProgress("merging", mergeIndex, mergeBudget, stoppedEarly));

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < tokenBytes.Count; id++) vocabulary[ByteLevelAlphabet.Encode(tokenBytes[id])] = id;
        // Specials sit at fixed ids at the top of the requested vocabulary. When merges run out first (a small
        // corpus), the ids between the last merge and the first special get reserved tokens, so ids stay dense.
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        int firstSpecial = options.VocabularySize - options.SpecialTokens.Count;
        foreach (string special in options.SpecialTokens)
            if (!specials.TryAdd(special, firstSpecial + specials.Count))
                throw new SharpLMException($"special token '{special}' is listed twice.");
        return new BpeTokenizer(vocabulary, merges, ReservedTokens.Fill(vocabulary, specials), options.PreTokenizerPattern);
    }

    private static void AddWord(Dictionary<long, List<int>> pairWords, long key, int word)
    {
        if (!pairWords.TryGetValue(key, out var list)) pairWords[key] = list = new List<int>(2);
        if (list.Count == 0 || list[^1] != word) list.Add(word);
    }

    /// <summary>Replaces every non-overlapping (left, right) in the word, left to right; null if none occurs.</summary>
    private static int[]? ApplyMerge(int[] word, int left, int right, int newId)
    {
        int occurrences = 0;
        for (int i = 0; i + 1 < word.Length; i++)
            if (word[i] == left && word[i + 1] == right) { occurrences++; i++; }
        if (occurrences == 0) return null;
        var merged = new int[word.Length - occurrences];
        int write = 0;
        for (int i = 0; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i] == left && word[i + 1] == right) { merged[write++] = newId; i++; }
            else merged[write++] = word[i];
        }
        return merged;
    }

    /// <summary>Counts pre-tokens across documents in parallel, each worker with its own table.</summary>
    private static Dictionary<string, long> CountWords(IEnumerable<string> documents, string pattern, IProgress<BpeTrainingProgress>? progress)
    {
        var regex = PreTokenizerPatterns.Compile(pattern);
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        var gate = new object();
        long processed = 0;
        Parallel.ForEach(
            Partitioner.Create(documents, EnumerablePartitionerOptions.NoBuffering),
            () => new Dictionary<string, long>(StringComparer.Ordinal),
            (document, _, local) =>
            {
                foreach (var match in regex.EnumerateMatches(document))
                {
                    string word = document.Substring(match.Index, match.Length);
                    local[word] = local.GetValueOrDefault(word) + 1;
                }
                long done = Interlocked.Increment(ref processed);
                if (done % 64 == 0) progress?.Report(new BpeTrainingProgress("counting", done, 0));
                return local;
            },
            local =>
            {
                lock (gate)
                    foreach (var (word, count) in local) total[word] = total.GetValueOrDefault(word) + count;
            });
        return total;
    }
}
