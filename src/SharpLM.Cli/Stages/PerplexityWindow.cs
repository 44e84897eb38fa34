using SharpLM.Core;

namespace SharpLM.Cli.Stages;

/// <summary>The window of a perplexity measurement (eval perplexity, export --validation), checked against the model.</summary>
public static class PerplexityWindow
{
    /// <summary>
    /// --context, or the model's context when it is not given; it must fit the model's positions, and --max-tokens must
    /// cover at least one window, or nothing would be scored.
    /// </summary>
    public static int Resolve(int? context, long maxTokens, int modelContext)
    {
        int window = context ?? modelContext;
        if (window > modelContext)
            throw new SharpLMException($"option --context {window} is longer than the model's context of {modelContext} tokens.");
        if (maxTokens < window)
            throw new SharpLMException($"option --max-tokens {maxTokens} is less than one window of {window} tokens; raise it or lower --context.");
        return window;
    }
}
