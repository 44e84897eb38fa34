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
        var dropOldest = new Option<bool>("--drop-oldest") { Description = "When the conversation outgrows the model's context, forget the oldest turns instead of asking for /reset." };
        var adapter = AdapterOption.Create();
        var command = new Command("chat", "Talk to a model turn by turn (chat template, streaming replies, the conversation kept in the KV cache). /reset starts over, /exit or end of input quits.")
            { model, system, maxTokens, temperature, topK, topP, seed, dropOldest, adapter };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string directory = parse.GetValue(model)!;
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK), TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed), StopAtEndOfText = true,
            };
            options.Validate();
            Run(directory, parse.GetValue(system), options, parse.GetValue(dropOldest), parse.GetValue(adapter));
            return 0;
        }));
        return command;
    }

    private static void Run(string directory, string? systemMessage, SamplingOptions options, bool dropOldest, string? adapter)
    {
        // Chat runs on the C# engine only; EngineModel names the families it supports when a folder is another.
        var (session, tokenizer) = ModelLoader.OpenEngine(directory, Environment.ProcessorCount, adapter);
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
            while (prompt.Length >= source.MaxContext && dropOldest && DropOldestTurn(messages))
                prompt = template.Render(messages, addGenerationPrompt: true).Ids;
            if (prompt.Length >= source.MaxContext)
            {
                // The session goes on: the message that did not fit is forgotten and the user decides what comes next.
                messages.RemoveAt(messages.Count - 1);
                Console.Error.WriteLine(messages.Any(m => m.Role != ChatMessage.System) && !dropOldest
                    ? $"sharplm: warning: the conversation would be {prompt.Length} tokens, beyond the model's context of {source.MaxContext}; type /reset to start over (or run chat with --drop-oldest); your message was not sent."
                    : $"sharplm: warning: the message makes the conversation {prompt.Length} tokens, beyond the model's context of {source.MaxContext}; it was not sent.");
                continue;
            }
            var reply = TextGenerator.Generate(source, tokenizer, prompt, options with { Seed = options.Seed + turn }, Console.Write, stopTokens);
            Console.WriteLine();
            messages.Add(new ChatMessage(ChatMessage.Assistant, reply.Text));
        }
    }

    /// <summary>Forgets the oldest user turn and its reply, keeping the system message and the newest message; false when nothing is left to drop.</summary>
    private static bool DropOldestTurn(List<ChatMessage> messages)
    {
        int first = messages.FindIndex(m => m.Role != ChatMessage.System);
        if (first < 0 || first >= messages.Count - 1) return false;
        int end = first + 1;
        while (end < messages.Count - 1 && messages[end].Role != ChatMessage.User) end++;
        messages.RemoveRange(first, end - first);
        return true;
    }
}
