using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SharpLM.Core.IO;
using SharpLM.Data.Ingest.Email;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Ingest;

/// <summary>
/// Reads the documents of a source, streaming: one file, and within a JSONL file one line, at a time. Files come in
/// the order <see cref="InputResolver"/> gives (sorted per input), so a run is reproducible. Anything wrong with one
/// file or record is reported to the problem sink with its path and line and skipped; only a source that is itself
/// wrong (invalid fields, an input matching nothing) throws <see cref="Core.SharpLMException"/>.
/// </summary>
public static class SourceReader
{
    public static IEnumerable<RawDocument> Read(SourceSpec source, string baseDirectory, IInputProblemSink problems, NpmPackageCache? npmCache = null)
    {
        source.Validate();
        var files = InputResolver.Resolve(source, baseDirectory, npmCache);
        return files.SelectMany(file => ReadFile(source, file, problems));
    }

    /// <summary>The format a file is read as: the file's own (data sets), the source's, or by extension (after ".gz").</summary>
    public static string? FormatOf(SourceSpec source, SourceFile file)
    {
        if (file.Format is not null) return file.Format;
        if (source.Format != "auto") return source.Format;
        string name = file.Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? file.Path[..^3] : file.Path;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".txt" or ".text" or ".md" or ".markdown" => "text",
            ".html" or ".htm" or ".xhtml" => "html",
            ".jsonl" or ".ndjson" => "jsonl",
            ".json" => "json",
            ".eml" => "email",
            _ => null,
        };
    }

    /// <summary>The documents of one resolved file; callers that read files in parallel use this directly.</summary>
    public static IEnumerable<RawDocument> ReadFile(SourceSpec source, SourceFile file, IInputProblemSink problems)
    {
        var context = new FileContext(source, file, problems, TextDecoding.TryGetEncoding(source.Charset));
        string? format = FormatOf(source, file);
        if (format is null)
        {
            context.Report(null, InputProblemKinds.UnsupportedFormat,
                $"no format for extension '{Path.GetExtension(file.Path)}'; name one in the source's \"format\" field");
            return [];
        }
        return format == "jsonl" ? ReadJsonLines(context) : ReadWholeFile(context, format);
    }

    private static IEnumerable<RawDocument> ReadWholeFile(FileContext context, string format)
    {
        byte[]? bytes = context.ReadAll();
        if (bytes is null) yield break;
        var document = format switch
        {
            "text" => context.FromText(null, 0, bytes, format),
            "html" => context.FromHtml(bytes),
            "json" => context.FromJson(null, 0, bytes, format),
            "email" => context.FromEmail(bytes),
            _ => throw new InvalidOperationException($"unknown format {format}"),
        };
        if (document is not null) yield return document;
    }

    private static IEnumerable<RawDocument> ReadJsonLines(FileContext context)
    {
        using var stream = context.Open();
        if (stream is null) yield break;
        var lines = new LineReader(stream, context.Source.MaxRecordBytes);
        long lastLine = 0;
        while (true)
        {
            LineRecord line;
            try
            {
                if (!lines.TryRead(out line)) break;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                context.ReportReadFailure(e, lastLine + 1);
                yield break;
            }
            lastLine = line.Number;
            if (line.Bytes is null)
            {
                context.Report(line.Number, InputProblemKinds.OversizedRecord,
                    $"the line has {line.Length:N0} bytes, more than max_record_bytes ({context.Source.MaxRecordBytes:N0})");
                continue;
            }
            if (line.Bytes.AsSpan().Trim(" \t"u8).IsEmpty) continue;
            if (context.FromJson(line.Number, line.Offset, line.Bytes, "jsonl") is { } document) yield return document;
        }
    }

    /// <summary>What reading one file needs; turns bytes into documents or problems.</summary>
    private sealed class FileContext(SourceSpec source, SourceFile file, IInputProblemSink problems, Encoding? fallback)
    {
        public SourceSpec Source => source;

        public void Report(long? line, string kind, string message) => problems.Report(new InputProblem(file.Path, line, kind, message));

        public void ReportReadFailure(Exception e, long? line)
        {
            if (e is InvalidDataException) Report(line, InputProblemKinds.InvalidGzip, $"the gzip stream is corrupt ({e.Message})");
            else Report(line, InputProblemKinds.UnreadableFile, e.Message);
        }

        /// <summary>The file's content stream, gunzipped for ".gz"; null (reported) when it cannot be opened.</summary>
        public Stream? Open()
        {
            try
            {
                if (Directory.Exists(file.FullPath)) throw new IOException("it is a directory, not a file");
                var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                if (!file.FullPath.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return stream;
                try
                {
                    return new GzipFileStream(stream);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Report(null, InputProblemKinds.UnreadableFile, e.Message);
                return null;
            }
        }

        /// <summary>The whole (decompressed) file, or null after reporting it unreadable, corrupt or oversized.</summary>
        public byte[]? ReadAll()
        {
            using var stream = Open();
            if (stream is null) return null;
            var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            try
            {
                int read;
                while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (buffer.Length + read > source.MaxRecordBytes)
                    {
                        Report(null, InputProblemKinds.OversizedRecord,
                            $"the file has more than max_record_bytes ({source.MaxRecordBytes:N0}) bytes");
                        return null;
                    }
                    buffer.Write(chunk, 0, read);
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                ReportReadFailure(e, null);
                return null;
            }
            return buffer.ToArray();
        }

        public RawDocument? FromText(long? line, long offset, byte[] bytes, string format)
        {
            var decoded = Decode(line, bytes, null);
            return Make(line, offset, bytes, format, decoded.Text, null, decoded.ReplacementCharacters);
        }

        public RawDocument? FromHtml(byte[] bytes)
        {
            var decoded = Decode(null, bytes, HtmlCharset.Sniff(bytes));
            var html = HtmlText.Extract(decoded.Text);
            var meta = html.Title.Length > 0 ? new Dictionary<string, string> { ["title"] = html.Title } : null;
            return Make(null, 0, bytes, "html", html.Text, meta, decoded.ReplacementCharacters);
        }

        public RawDocument? FromEmail(byte[] bytes)
        {
            if (!EmailParser.TryParse(bytes, fallback, out var email, out string? error))
            {
                Report(null, InputProblemKinds.InvalidEmail, error!);
                return null;
            }
            if (string.IsNullOrWhiteSpace(email!.Text))
            {
                Report(null, InputProblemKinds.NoTextPart, $"the message ({email.ContentType}) has no text: no text/plain or text/html part, or only empty ones");
                return null;
            }
            if (email.ReplacementCharacters > 0) ReportReplacements(null, email.ReplacementCharacters);
            var meta = new Dictionary<string, string> { ["content_type"] = email.ContentType };
            if (!string.IsNullOrEmpty(email.Subject)) meta["subject"] = email.Subject;
            return Make(null, 0, bytes, "email", email.Text, meta, email.ReplacementCharacters);
        }

        public RawDocument? FromJson(long? line, long offset, byte[] bytes, string format)
        {
            // Valid UTF-8 (nearly every record) is parsed as bytes, without a round trip through a string.
            var utf8 = bytes.AsMemory();
            if (utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
            DecodedText? decoded = System.Text.Unicode.Utf8.IsValid(utf8.Span) ? null : Decode(line, bytes, null);
            JsonDocument json;
            try
            {
                json = decoded is { } text ? JsonDocument.Parse(text.Text) : JsonDocument.Parse(utf8);
            }
            catch (JsonException e)
            {
                Report(line, InputProblemKinds.InvalidJson, Core.IO.JsonFile.FirstSentence(e.Message));
                return null;
            }
            using (json)
            {
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                {
                    Report(line, InputProblemKinds.InvalidJson, $"expected a JSON object, found {json.RootElement.ValueKind.ToString().ToLowerInvariant()}");
                    return null;
                }
                if (Field(json.RootElement, source.TextField) is not { ValueKind: JsonValueKind.String } text)
                {
                    Report(line, InputProblemKinds.MissingTextField, $"no string field '{source.TextField}'");
                    return null;
                }
                string? id = source.IdField is null ? null : Field(json.RootElement, source.IdField) switch
                {
                    { ValueKind: JsonValueKind.String } value => value.GetString(),
                    { ValueKind: JsonValueKind.Number } value => value.GetRawText(),
                    _ => null,
                };
                return Make(line, offset, bytes, format, text.GetString()!, null, decoded?.ReplacementCharacters ?? 0, id);
            }
        }

        private static JsonElement? Field(JsonElement root, string dottedPath)
        {
            var current = root;
            foreach (string name in dottedPath.Split('.'))
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current)) return null;
            }
            return current;
        }

        private DecodedText Decode(long? line, byte[] bytes, Encoding? declared)
        {
            var decoded = TextDecoding.Decode(bytes, declared, fallback);
            if (decoded.ReplacementCharacters > 0) ReportReplacements(line, decoded.ReplacementCharacters);
            return decoded;
        }

        private void ReportReplacements(long? line, int count) =>
            Report(line, InputProblemKinds.InvalidEncoding,
                $"{count} invalid UTF-8 byte sequence(s) replaced by U+FFFD; name the source's charset (for example \"latin1\") if it is not UTF-8");

        private RawDocument Make(long? line, long offset, byte[] bytes, string format, string text,
            Dictionary<string, string>? meta, int replacements, string? idValue = null)
        {
            string id = idValue is not null ? $"{source.Name}/{idValue}"
                : line is { } number ? $"{source.Name}/{file.IdPath}:{number}"
                : $"{source.Name}/{file.IdPath}";
            IReadOnlyDictionary<string, string> allMeta = file.Meta;
            if (meta is not null)
            {
                foreach (var pair in file.Meta) meta.TryAdd(pair.Key, pair.Value);
                allMeta = meta;
            }
            return new RawDocument(id, text, source.Name, file.Path, line, offset,
                Convert.ToHexStringLower(SHA256.HashData(bytes)), format, allMeta, replacements);
        }
    }
}
