using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core.IO;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// A document that passed a rank's per-document stages, waiting for the merge to deduplicate it against every rank:
/// its place in the one-process input order (file index, byte offset), its deduplication keys, and its finished
/// output lines. One JSON object per line in <c>state/chunk-NNNNN.candidates</c> of a rank folder.
/// </summary>
public sealed class MergeCandidate
{
    private static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Index of the (source, file) pair in the input order of a one-process run.</summary>
    [JsonPropertyName("file")] public int File { get; set; }
    [JsonPropertyName("offset")] public long Offset { get; set; }
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("source")] public string Source { get; set; } = "";
    /// <summary>The 128-bit exact-text key as 32 hex digits.</summary>
    [JsonPropertyName("exact")] public string Exact { get; set; } = "";
    [JsonPropertyName("minhash")] public ulong[]? MinHash { get; set; }
    [JsonPropertyName("pii")] public Dictionary<string, long> Pii { get; set; } = new();
    [JsonPropertyName("out")] public List<CandidateLine> Out { get; set; } = new();

    [JsonIgnore] public UInt128 ExactKey => UInt128.Parse(Exact, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static MergeCandidate From(DocumentWork work, int fileIndex) => new()
    {
        File = fileIndex,
        Offset = work.Raw.ByteOffset,
        Id = work.Raw.Id,
        Source = work.Raw.Source,
        Exact = work.ExactKey.ToString("x32", CultureInfo.InvariantCulture),
        MinHash = work.Signature,
        Pii = work.Pii.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value),
        Out = work.Output.Select(o => new CandidateLine { Line = o.Line, Validation = o.Validation, Bytes = o.Bytes }).ToList(),
    };

    public static void WriteAll(string path, IEnumerable<MergeCandidate> candidates) =>
        AtomicFile.WriteAllText(path, string.Concat(candidates.Select(c => JsonSerializer.Serialize(c, Compact) + "\n")));

    public static IEnumerable<MergeCandidate> ReadAll(string path)
    {
        foreach (var (number, utf8) in JsonlLines.Read(path, "merge candidates"))
        {
            MergeCandidate? candidate;
            try
            {
                candidate = JsonSerializer.Deserialize<MergeCandidate>(utf8.Span);
            }
            catch (JsonException e)
            {
                throw new Core.SharpLMException($"{path}:{number}: not a merge candidate ({JsonFile.FirstSentence(e.Message)}).");
            }
            yield return candidate ?? throw new Core.SharpLMException($"{path}:{number}: not a merge candidate (the line is 'null').");
        }
    }
}

/// <summary>One output line of a candidate (one copy after mixing).</summary>
public sealed class CandidateLine
{
    [JsonPropertyName("line")] public string Line { get; set; } = "";
    [JsonPropertyName("validation")] public bool Validation { get; set; }
    [JsonPropertyName("bytes")] public long Bytes { get; set; }
}
