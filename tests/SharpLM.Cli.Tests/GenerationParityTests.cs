using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.Cli.Tests;

/// <summary>`generate` and `chat` produce exactly what the generation core produces in-process for the same options and seed.</summary>
public class GenerationParityTests
{
    private static readonly SamplingOptions Options = new() { Temperature = 0.9, TopK = 0, TopP = 0.95, MaxNewTokens = 12, Seed = 7 };

    private static GenerationResult InProcess(string model, IReadOnlyList<int> prompt, IReadOnlySet<int>? stopTokens = null) =>
        TextGenerator.Generate(new SessionLogitsSource(EngineModel.Load(model).NewSession(1)), TinyModelFolder.Tokenizer, prompt, Options, stopTokens: stopTokens);

    private static string[] SamplingArguments =>
        ["--temperature", "0.9", "--top-k", "0", "--top-p", "0.95", "--max-tokens", "12", "--seed", "7"];

    [Fact]
    public void Generate_prints_what_the_core_generates()
    {
        string model = TinyModelFolder.Create();
        var expected = InProcess(model, TinyModelFolder.Tokenizer.Encode("the whale"));
        var result = CliProcess.Run(["generate", "--model", model, "--prompt", "the whale", .. SamplingArguments]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("the whale" + expected.Text + "\n", result.Output);
    }

    [Fact]
    public void Chat_replies_with_what_the_core_generates_on_the_chat_template()
    {
        string model = TinyModelFolder.Create();
        var template = new ChatTemplate(TinyModelFolder.Tokenizer);
        var prompt = template.Render([new ChatMessage(ChatMessage.User, "the whale")], addGenerationPrompt: true).Ids;
        var expected = InProcess(model, prompt, new HashSet<int> { template.TurnEndId });
        var result = CliProcess.RunWithInput("the whale\n", ["chat", "--model", model, .. SamplingArguments]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(expected.Text + "\n", result.Output);
    }
}
