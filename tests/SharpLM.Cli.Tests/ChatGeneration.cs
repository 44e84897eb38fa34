namespace SharpLM.Cli.Tests;

/// <summary>Greedy generation after a chat-template prompt, for comparing what a post-training run wrote.</summary>
internal static class ChatGeneration
{
    private static readonly string[] Greedy = ["--prompt", "<|im_start|>user\nthe whale<|im_end|>\n<|im_start|>assistant\n", "--temperature", "0", "--max-tokens", "8"];

    /// <summary>The text `generate` writes for the prompt, from a model folder with an adapter if given; a failing run fails the test.</summary>
    public static string Generate(string model, string? adapter = null)
    {
        var result = CliProcess.Run(["generate", "--model", model, .. adapter is null ? Array.Empty<string>() : ["--adapter", adapter], .. Greedy]);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.Output;
    }

    /// <summary>The run's merged model/ and the base with the run's adapter/ applied by the engine generate the same text, which is returned.</summary>
    public static string AssertAdapterGeneratesAsMerged(string baseModel, string run)
    {
        string merged = Generate(Path.Combine(run, "model"));
        Assert.Equal(merged, Generate(baseModel, Path.Combine(run, "adapter")));
        return merged;
    }
}
