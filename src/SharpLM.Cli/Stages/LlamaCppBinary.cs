using SharpLM.Core;

namespace SharpLM.Cli.Stages;

/// <summary>The llama.cpp programs the side-by-side benchmarks run: given by path, built by tools/llamacpp-check/build-tools.sh.</summary>
public static class LlamaCppBinary
{
    /// <summary>Refuses a path that names no file, before any work starts.</summary>
    public static string Require(string path, string option) => File.Exists(path) ? path
        : throw new SharpLMException($"{option}: '{path}' does not exist; build it with tools/llamacpp-check/build-tools.sh.");
}
