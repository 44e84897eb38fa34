namespace SharpLM.Data.Ingest;

/// <summary>
/// A document as read from its input, before cleaning, with enough provenance to find the original bytes again.
/// </summary>
/// <param name="Id">Deterministic and unique within a run: "{source}/{path}" for whole files, "{source}/{path}:{line}" for
/// JSONL records, "{source}/{id field value}" when the source names an id field.</param>
/// <param name="Text">Extracted text (decoded; HTML and e-mail reduced to their readable text). Not yet cleaned.</param>
/// <param name="Source">The source name (<see cref="SourceSpec.Name"/>).</param>
/// <param name="Path">The file, relative to the base directory with '/' separators, or "npm:{package}@{version}/{path}".</param>
/// <param name="Line">1-based line for JSONL records, null for whole-file documents.</param>
/// <param name="ByteOffset">Offset of the record's first byte in the (decompressed) file; 0 for whole files.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the record's original bytes: the whole decompressed file, or the JSONL
/// line without its line terminator.</param>
/// <param name="Format">The format the record was read as: text, html, json, jsonl or email.</param>
/// <param name="Meta">Non-personal metadata: HTML title, e-mail subject and content type, data-set group.</param>
/// <param name="ReplacementCharacters">How many invalid byte sequences were replaced by U+FFFD while decoding.</param>
public sealed record RawDocument(
    string Id,
    string Text,
    string Source,
    string Path,
    long? Line,
    long ByteOffset,
    string Sha256,
    string Format,
    IReadOnlyDictionary<string, string> Meta,
    int ReplacementCharacters);
