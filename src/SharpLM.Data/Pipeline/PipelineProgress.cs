namespace SharpLM.Data.Pipeline;

/// <summary>Where a pipeline run stands: input documents read, input bytes behind them out of the total, documents written.</summary>
public sealed record PipelineProgress(long DocumentsRead, long BytesRead, long TotalBytes, long DocumentsWritten, string Source);
