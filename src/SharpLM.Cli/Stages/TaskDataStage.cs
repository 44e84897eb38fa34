using SharpLM.Cli.Terminal;
using SharpLM.Data.Sources;
using SharpLM.Safety.Catalogue;
using SharpLM.Synthesis;

namespace SharpLM.Cli.Stages;

/// <summary>Post-training task data: reads the sources (the npm lists through the cache, the shipped probe catalogue) and writes the folder.</summary>
public static class TaskDataStage
{
    public static TaskDataResult Write(string directory, SynthOptions options)
    {
        options.Validate();
        Display.Info("reading the US state capitals and the safety probe catalogue");
        return TaskDataWriter.Write(directory, new SynthSources(UsStateCapitals.Load(), ProbeCatalogue.LoadBuiltin()), options);
    }

    /// <summary>The folder of held-out lm-eval tasks inside a task data folder.</summary>
    public static string TasksDirectory(string directory) => Path.Combine(directory, TaskDataWriter.HeldOutFolder, TaskDataWriter.TasksFolder);
}
