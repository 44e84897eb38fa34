using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>Task arguments: a YAML file, or a folder whose *.yaml files are all tasks (a suite written by `eval suite`).</summary>
public static class TaskPaths
{
    public static IReadOnlyList<string> Expand(IEnumerable<string> arguments)
    {
        var paths = new List<string>();
        foreach (string argument in arguments)
        {
            if (!Directory.Exists(argument))
            {
                paths.Add(argument);
                continue;
            }
            var files = Directory.GetFiles(argument, "*.yaml").Concat(Directory.GetFiles(argument, "*.yml"))
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new SharpLMException($"--tasks {argument}: the folder holds no task .yaml files.");
            paths.AddRange(files);
        }
        return paths;
    }
}
