namespace SharpLM.Data.Ingest;

/// <summary>One file a source reads, after its inputs were resolved.</summary>
/// <param name="FullPath">Where the file is on disk.</param>
/// <param name="Path">How documents name it: relative to the base directory with '/' separators, or
/// "npm:{package}@{version}/{path in package}" for a data-set package.</param>
/// <param name="IdPath">The part of document ids that names the file (the relative path; for a data-set package the
/// path under its data/ folder).</param>
/// <param name="Format">The format the file must be read as, or null to follow the source's format.</param>
/// <param name="Meta">Metadata every document of the file carries (a data set's group, for example).</param>
public sealed record SourceFile(string FullPath, string Path, string IdPath, string? Format, IReadOnlyDictionary<string, string> Meta);
