using SharpLM.Core.Models;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Chat;
using SharpLM.Training.Modeling;

namespace SharpLM.PostTraining.Tests;

/// <summary>Generated conversations, a tokenizer trained on them, and tiny Llama models; built once per test run.</summary>
public static class ChatFixture
{
    private static readonly Lazy<(BpeTokenizer Tokenizer, string ChatFile)> Built = new(Build);

    public static BpeTokenizer Tokenizer => Built.Value.Tokenizer;
    public static ChatTemplate Template => new(Tokenizer);
    /// <summary>40 conversations of one to three turns, in OpenAI messages form.</summary>
    public static string ChatFile => Built.Value.ChatFile;

    private static readonly string[] Names = ["Ahab", "Ishmael", "Queequeg", "Starbuck", "Stubb"];
    private static readonly string[] Verbs = ["watches", "follows", "calls", "greets", "fears"];

    private static (BpeTokenizer, string) Build()
    {
        var random = new Random(11);
        var lines = new List<string>();
        var texts = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            var messages = new List<string>();
            if (i % 4 == 0) messages.Add("""{"role": "system", "content": "Answer in one sentence."}""");
            int turns = 1 + i % 3;
            for (int t = 0; t < turns; t++)
            {
                string who = Names[random.Next(Names.Length)], verb = Verbs[random.Next(Verbs.Length)], whom = Names[random.Next(Names.Length)];
                messages.Add($$"""{"role": "user", "content": "Whom does {{who}} {{verb[..^1]}}?"}""");
                messages.Add($$"""{"role": "assistant", "content": "{{who}} {{verb}} {{whom}}."}""");
                texts.Add($"Whom does {who} {verb[..^1]}? {who} {verb} {whom}.");
            }
            lines.Add($$"""{"messages": [{{string.Join(", ", messages)}}]}""");
        }
        var tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabularySize = 300 });
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-chat-").FullName, "chat.jsonl");
        File.WriteAllLines(path, lines);
        return (tokenizer, path);
    }

    public static LlamaConfig Config(bool tie = true) =>
        LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 48,
            maxPositions: 128, tieEmbeddings: tie);

    public static LlamaForCausalLM Model(long seed = 3, bool tie = true)
    {
        var model = new LlamaForCausalLM(Config(tie));
        model.InitializeWeights(seed);
        return model;
    }
}
