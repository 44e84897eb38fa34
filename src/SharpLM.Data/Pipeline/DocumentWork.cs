using SharpLM.Data.Ingest;

namespace SharpLM.Data.Pipeline;

/// <summary>One input document on its way through a unit of work: what each stage decided about it.</summary>
public sealed class DocumentWork(RawDocument raw)
{
    public RawDocument Raw { get; } = raw;
    /// <summary>The text as the stages have left it so far.</summary>
    public string Text { get; set; } = raw.Text;
    /// <summary>The rule that dropped the document, or null while it is kept.</summary>
    public string? DroppedBy { get; set; }
    public int BoilerplateLinesRemoved { get; set; }
    /// <summary>UTF-8 bytes of the text as read (counted on a worker thread, not in the ordered commit loop).</summary>
    public long BytesIn { get; set; }
    public IReadOnlyList<string> Leaks { get; set; } = [];
    public UInt128 ExactKey { get; set; }
    public ulong[]? Signature { get; set; }
    /// <summary>JSONL lines to write (one per copy after mixing) and whether they go to validation.</summary>
    public List<(string Line, bool Validation, long Bytes)> Output { get; } = new();
    public Pii.PiiCounts Pii { get; } = new();

    public bool Kept => DroppedBy is null;
}
