namespace SharpLM.Cli.Stages;

/// <summary>Model folders the bench verbs fall back on when given none.</summary>
public static class BenchmarkModels
{
    /// <summary>A random-weight model of stories15M's shape, written once under the system's temporary folder.</summary>
    public static string RandomStories15M()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sharplm-bench-stories15m-random");
        if (!Directory.Exists(directory)) Inference.RandomModelFolder.Write(directory, Inference.RandomModelShape.Stories15M, seed: 15);
        return directory;
    }
}
