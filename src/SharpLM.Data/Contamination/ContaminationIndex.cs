using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Data.Text;

namespace SharpLM.Data.Contamination;

/// <summary>
/// Finds training documents that overlap evaluation items. Every evaluation item (one JSONL line) contributes
/// the 64-bit hashes of its word n-grams (default n = 13, the GPT-3 decontamination length), computed over
/// <see cref="NormalizedWords"/> (lowercase, punctuation removed) of its text fields joined by spaces. An item
/// with fewer than n words contributes its whole word sequence as one shorter n-gram, checked against windows
/// of that length in documents. <see cref="Matches"/> names the items a text shares at least one n-gram with.
/// <para>Memory: one 8-byte hash per distinct n-gram plus ~20 bytes of dictionary entry and item link, and the
/// item keys; no text is kept. Reads are thread-safe; the index is immutable once loaded.</para>
/// </summary>
public sealed class ContaminationIndex
{
    public static IReadOnlyList<string> DefaultTextFields { get; } = ["text", "question", "prompt", "answer", "choices", "completion"];

    private readonly int _n;
    private readonly string[] _keys;
    private readonly Dictionary<ulong, int> _head;    // n-gram hash → first link
    private readonly int[] _linkItem;                 // link → item number
    private readonly int[] _linkNext;                 // link → next link of the same hash, or -1
    private readonly int[] _shortLengths;             // distinct word counts (< n) of short items

    [ThreadStatic] private static NormalizedWords? t_words;

    private ContaminationIndex(int n, string[] keys, Dictionary<ulong, int> head, int[] linkItem, int[] linkNext, int[] shortLengths)
    {
        (_n, _keys, _head, _linkItem, _linkNext, _shortLengths) = (n, keys, head, linkItem, linkNext, shortLengths);
    }

    public int N => _n;

    public int Items => _keys.Length;

    public int NGrams => _head.Count;

    public long ApproximateBytes => (long)_head.Count * 24 + _linkItem.LongLength * 8 + _keys.Sum(k => 30L + 2L * k.Length);

    /// <summary>Loads JSONL evaluation sets, reading the text of one field.</summary>
    public static ContaminationIndex Load(IEnumerable<string> evalJsonlPaths, int n, string textField) =>
        Load(evalJsonlPaths, n, [textField]);

    /// <summary>
    /// Loads JSONL evaluation sets: every non-blank line is an object whose <paramref name="textFields"/>
    /// (default <see cref="DefaultTextFields"/>) that are present are collected — strings, and strings nested in
    /// arrays or objects (multiple-choice options) — and joined into the item's text. Items are keyed
    /// "{file name}:{line}". Malformed lines and items without any of the fields fail naming file:line.
    /// </summary>
    public static ContaminationIndex Load(IEnumerable<string> evalJsonlPaths, int n = 13, IReadOnlyList<string>? textFields = null)
    {
        textFields ??= DefaultTextFields;
        return FromItems(ReadItems(evalJsonlPaths, textFields), n);
    }

    /// <summary>Builds an index from keyed texts (already extracted).</summary>
    public static ContaminationIndex FromItems(IEnumerable<(string Key, string Text)> items, int n = 13)
    {
        if (n < 1) throw new SharpLMException($"contamination n-gram length must be 1 or more (got {n}).");
        var keys = new List<string>();
        var head = new Dictionary<ulong, int>();
        var linkItem = new List<int>();
        var linkNext = new List<int>();
        var shortLengths = new SortedSet<int>();
        var words = new NormalizedWords();
        foreach (var (key, text) in items)
        {
            words.Load(text);
            if (words.Count == 0) continue;
            int item = keys.Count;
            keys.Add(key);
            int length = Math.Min(n, words.Count);
            if (length < n) shortLengths.Add(length);
            for (int first = 0; first + length <= words.Count; first++)
            {
                ulong hash = Hash(words.Span(first, length));
                ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(head, hash, out bool exists);
                if (exists && linkItem[slot] == item) continue;   // the item's own repeated n-gram
                linkItem.Add(item);
                linkNext.Add(exists ? slot : -1);
                slot = linkItem.Count - 1;
            }
        }
        return new ContaminationIndex(n, keys.ToArray(), head, linkItem.ToArray(), linkNext.ToArray(), shortLengths.ToArray());
    }

    /// <summary>Keys of the evaluation items sharing at least one n-gram with <paramref name="text"/>, in load order.</summary>
    public IReadOnlyList<string> Matches(string text)
    {
        var words = t_words ??= new NormalizedWords();
        words.Load(text);
        SortedSet<int>? hits = null;
        Probe(words, _n, ref hits);
        foreach (int length in _shortLengths) Probe(words, length, ref hits);
        if (hits is null) return [];
        var keys = new string[hits.Count];
        int i = 0;
        foreach (int item in hits) keys[i++] = _keys[item];
        return keys;
    }

    private void Probe(NormalizedWords words, int length, ref SortedSet<int>? hits)
    {
        for (int first = 0; first + length <= words.Count; first++)
        {
            if (!_head.TryGetValue(Hash(words.Span(first, length)), out int link)) continue;
            hits ??= new SortedSet<int>();
            for (; link >= 0; link = _linkNext[link]) hits.Add(_linkItem[link]);
        }
    }

    private static ulong Hash(ReadOnlySpan<char> nGram) => XxHash64.HashToUInt64(MemoryMarshal.AsBytes(nGram));

    private static IEnumerable<(string Key, string Text)> ReadItems(IEnumerable<string> paths, IReadOnlyList<string> fields)
    {
        var text = new StringBuilder();
        foreach (string path in paths)
        {
            string name = Path.GetFileName(path);
            foreach (var (lineNumber, line) in JsonlLines.Read(path, "evaluation JSONL"))
            {
                text.Clear();
                try
                {
                    using var document = JsonDocument.Parse(line);
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                        throw new SharpLMException($"{path}:{lineNumber}: expected a JSON object, found {document.RootElement.ValueKind}.");
                    bool found = false;
                    foreach (string field in fields)
                    {
                        if (!document.RootElement.TryGetProperty(field, out var value)) continue;
                        found = true;
                        AppendStrings(value, text);
                    }
                    if (!found) throw new SharpLMException($"{path}:{lineNumber}: the item has none of the fields {string.Join(", ", fields)}.");
                }
                catch (JsonException e)
                {
                    throw new SharpLMException($"{path}:{lineNumber}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
                }
                yield return ($"{name}:{lineNumber}", text.ToString());
            }
        }
    }

    private static void AppendStrings(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text.Append(value.GetString()).Append(' ');
                break;
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray()) AppendStrings(element, text);
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject()) AppendStrings(property.Value, text);
                break;
        }
    }
}
