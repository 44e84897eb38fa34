using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.Cli.Commands;

public static class ChatCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder whose tokenizer has the chat tokens (<|im_start|>, <|im_end|>).", Required = true };
        var system = new Option<string?>("--system") { Description = "System message opening the conversation." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Longest reply, in tokens.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 is greedy.", DefaultValueFactory = _ => 0.7 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens; 0 disables (and sorts the whole vocabulary every token).", DefaultValueFactory = _ => 40 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling threshold.", DefaultValueFactory = _ => 0.9 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
        var command = new Command("chat", "Talk to a model turn by turn (chat template, streaming replies, the conversation kept in the KV cache). /reset starts over, /exit or end of input quits.")
            { model, system, maxTokens, temperature, topK, topP, seed };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string directory = parse.GetValue(model)!;
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK), TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed), StopAtEndOfText = true,
            };
            options.Validate();
            Run(directory, parse.GetValue(system), options);
            return 0;
        }));
        return command;
    }

    private static void Run(string directory, string? systemMessage, SamplingOptions options)
    {
        // Chat runs on the C# engine only; EngineModel names the families it supports when a folder is another.
        var (session, tokenizer) = ModelLoader.OpenEngine(directory, Environment.ProcessorCount);
        var template = new ChatTemplate(tokenizer);
        var source = new SessionLogitsSource(session);
        var stopTokens = new HashSet<int> { template.TurnEndId };
        var messages = new List<ChatMessage>();
        void Reset()
        {
            messages.Clear();
            if (!string.IsNullOrWhiteSpace(systemMessage)) messages.Add(new ChatMessage(ChatMessage.System, systemMessage));
        }
        Reset();
        bool interactive = !Console.IsInputRedirected;
        if (interactive) Display.Info("chat: type a message; /reset starts over, /exit quits");
        for (int turn = 0; ; turn++)
        {
            if (interactive) Console.Write("> ");
            string? line = Console.ReadLine();
            if (line is null || line.Trim() == "/exit") break;
            if (line.Trim() == "/reset")
            {
                Reset();
                continue;
            }
            if (line.Length == 0) continue;
            messages.Add(new ChatMessage(ChatMessage.User, line));
            var prompt = template.Render(messages, addGenerationPrompt: true).Ids;
            if (prompt.Length >= source.MaxContext)
                throw new Core.SharpLMException($"the conversation is {prompt.Length} tokens, at the model's context of {source.MaxContext}; /reset to start over.");
            var reply = TextGenerator.Generate(source, tokenizer, prompt, options with { Seed = options.Seed + turn }, Console.Write, stopTokens);
            Console.WriteLine();
            messages.Add(new ChatMessage(ChatMessage.Assistant, reply.Text));
        }
    }
}
