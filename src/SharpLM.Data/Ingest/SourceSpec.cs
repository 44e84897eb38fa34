using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.Data.Ingest;

/// <summary>
/// One named corpus source of a data run: which files to read, how to read them and under which license they are.
/// Serialised in snake_case so it can be written by hand in a run's JSON configuration.
/// </summary>
public sealed record SourceSpec
{
    /// <summary>Default <see cref="MaxRecordBytes"/>: 8 MiB.</summary>
    public const long DefaultMaxRecordBytes = 8L << 20;

    /// <summary>Upper bound for <see cref="MaxRecordBytes"/>: a record is held in memory as one byte array.</summary>
    public const long MaxRecordBytesLimit = 1L << 30;

    /// <summary>The formats a source may name; "auto" picks one from each file's extension.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["auto", "text", "html", "json", "jsonl", "email"];

    /// <summary>Source name: letters, digits, '.', '_' and '-'; it prefixes every document id.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";

    /// <summary>File paths or globs ("corpus/**/*.jsonl.gz"), relative to the base directory, or "npm:{data set}".</summary>
    [JsonPropertyName("inputs")] public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>SPDX-style license tag carried into every document.</summary>
    [JsonPropertyName("license")] public string License { get; init; } = "";

    [JsonPropertyName("format")] public string Format { get; init; } = "auto";

    /// <summary>JSON field holding the text; a dotted path ("content.body") walks nested objects.</summary>
    [JsonPropertyName("text_field")] public string TextField { get; init; } = "text";

    /// <summary>Optional JSON field whose value becomes the document id (prefixed with the source name).</summary>
    [JsonPropertyName("id_field")] public string? IdField { get; init; }

    /// <summary>Fallback encoding for bytes that are not valid UTF-8 ("latin1", "iso-8859-1", "windows-1252"...); null: none.</summary>
    [JsonPropertyName("charset")] public string? Charset { get; init; }

    /// <summary>Records (JSONL lines, whole files) larger than this are reported as oversized and skipped.</summary>
    [JsonPropertyName("max_record_bytes")] public long MaxRecordBytes { get; init; } = DefaultMaxRecordBytes;

    /// <summary>Mixing weight; null means the source's natural size.</summary>
    [JsonPropertyName("weight")] public double? Weight { get; init; }

    /// <summary>Checks every field; the message names the source and the field.</summary>
    public void Validate()
    {
        string who = string.IsNullOrWhiteSpace(Name) ? "source" : $"source '{Name}'";
        if (string.IsNullOrWhiteSpace(Name)) throw Error(who, "name", "is required");
        if (!Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw Error(who, "name", "may contain only letters, digits, '.', '_' and '-'");
        if (Inputs is null || Inputs.Count == 0) throw Error(who, "inputs", "needs at least one file, glob or npm: data set");
        for (int i = 0; i < Inputs.Count; i++)
            if (string.IsNullOrWhiteSpace(Inputs[i])) throw Error(who, $"inputs[{i}]", "is empty");
        if (string.IsNullOrWhiteSpace(License)) throw Error(who, "license", "is required (an SPDX-style tag such as CC0-1.0)");
        if (!Formats.Contains(Format)) throw Error(who, "format", $"'{Format}' is not one of {string.Join(", ", Formats)}");
        if (string.IsNullOrWhiteSpace(TextField) || TextField.Split('.').Any(string.IsNullOrEmpty))
            throw Error(who, "text_field", $"'{TextField}' is not a field name or dotted path");
        if (IdField is not null && (IdField.Length == 0 || IdField.Split('.').Any(string.IsNullOrEmpty)))
            throw Error(who, "id_field", $"'{IdField}' is not a field name or dotted path");
        if (Charset is not null && TextDecoding.TryGetEncoding(Charset) is null)
            throw Error(who, "charset", $"'{Charset}' is not a known character set (for example latin1, windows-1252)");
        if (MaxRecordBytes <= 0 || MaxRecordBytes > MaxRecordBytesLimit)
            throw Error(who, "max_record_bytes", $"must be between 1 and {MaxRecordBytesLimit}");
        if (Weight is { } weight && (!double.IsFinite(weight) || weight <= 0))
            throw Error(who, "weight", "must be a positive number");
    }

    private static SharpLMException Error(string who, string field, string message) => new($"{who}: field '{field}' {message}.");
}
