using SharpLM.Data.Ingest;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// Reads a source's files in order, parsing runs of small files (e-mails, HTML pages) in parallel — parsing, not
/// disk, is what limits reading them — while large files (JSONL dumps) stream on one thread so memory stays flat.
/// Documents and input problems come out in file order, exactly as a sequential read would give them.
/// </summary>
public static class OrderedSourceStream
{
    /// <summary>Files up to this size are read whole by a worker; larger ones stream.</summary>
    public const long SmallFileBytes = 4L << 20;
    private const int FilesPerBatch = 128;

    public static IEnumerable<RawDocument> Read(SourceSpec source, IReadOnlyList<SourceFile> files, IInputProblemSink problems, int threads)
    {
        int next = 0;
        while (next < files.Count)
        {
            if (threads <= 1 || SizeOf(files[next]) > SmallFileBytes)
            {
                foreach (var document in SourceReader.ReadFile(source, files[next], problems)) yield return document;
                next++;
                continue;
            }
            int end = next;
            while (end < files.Count && end - next < FilesPerBatch && SizeOf(files[end]) <= SmallFileBytes) end++;
            var batch = new (List<RawDocument> Documents, ListProblemSink Problems)[end - next];
            int first = next;
            Parallel.For(first, end, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                var sink = new ListProblemSink();
                batch[i - first] = (SourceReader.ReadFile(source, files[i], sink).ToList(), sink);
            });
            foreach (var (documents, sink) in batch)
            {
                foreach (var problem in sink.Problems) problems.Report(problem);
                foreach (var document in documents) yield return document;
            }
            next = end;
        }
    }

    /// <summary>Bytes on disk (0 for something unreadable, which its reader reports).</summary>
    public static long SizeOf(SourceFile file)
    {
        try
        {
            return new FileInfo(file.FullPath).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
