using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Checkpoints;

namespace SharpLM.PostTraining.Tests;

/// <summary>Token shards of generated sentences in the chat fixture's vocabulary, and a teacher model folder; built once per test run.</summary>
public static class DistillFixture
{
    private static readonly Lazy<(string Train, string Validation, string Teacher)> Built = new(Build);

    public static string TrainShard => Built.Value.Train;
    public static string ValidationShard => Built.Value.Validation;
    /// <summary>A model folder of the fixture's shape with other weights than the students (seed 5).</summary>
    public static string Teacher => Built.Value.Teacher;

    private static readonly string[] Names = ["Ahab", "Ishmael", "Queequeg", "Starbuck", "Stubb"];
    private static readonly string[] Verbs = ["watches", "follows", "calls", "greets", "fears"];

    private static (string, string, string) Build()
    {
        string directory = Directory.CreateTempSubdirectory("sharplm-distill-").FullName;
        var random = new Random(17);
        string Write(string name, int documents)
        {
            string path = Path.Combine(directory, name);
            using var writer = new TokenShardWriter(path, ChatFixture.Tokenizer.VocabularySize);
            for (int d = 0; d < documents; d++)
            {
                string text = string.Join(" ", Enumerable.Range(0, 8).Select(_ =>
                    $"{Names[random.Next(Names.Length)]} {Verbs[random.Next(Verbs.Length)]} {Names[random.Next(Names.Length)]}."));
                writer.AddDocument(ChatFixture.Tokenizer.Encode(text).ToArray());
            }
            writer.Complete();
            return path;
        }
        string teacher = Path.Combine(directory, "teacher");
        using (var model = ChatFixture.Model(seed: 5)) HfCheckpoint.Save(model, ChatFixture.Tokenizer, teacher);
        return (Write("train.tok", 40), Write("val.tok", 8), teacher);
    }
}
