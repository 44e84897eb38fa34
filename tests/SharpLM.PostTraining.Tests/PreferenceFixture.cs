using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.PostTraining.Preference;
using SharpLM.Training.Checkpoints;

namespace SharpLM.PostTraining.Tests;

/// <summary>Generated preference pairs over the chat fixture's vocabulary: the chosen answer repeats the question's verb; the rejected one swaps it, or declines to answer.</summary>
public static class PreferenceFixture
{
    private static readonly Lazy<string> Built = new(Build);

    /// <summary>24 pairs: string prompts, and every fourth a message-list prompt with a system turn.</summary>
    public static string PreferenceFile => Built.Value;

    private static readonly string[] Names = ["Ahab", "Ishmael", "Queequeg", "Starbuck", "Stubb"];
    private static readonly string[] Verbs = ["watches", "follows", "calls", "greets", "fears"];

    private static string Build()
    {
        var random = new Random(5);
        var lines = new List<string>();
        for (int i = 0; i < 24; i++)
        {
            string who = Names[random.Next(Names.Length)], verb = Verbs[random.Next(Verbs.Length)], whom = Names[random.Next(Names.Length)];
            string other = Verbs[(Array.IndexOf(Verbs, verb) + 1 + random.Next(Verbs.Length - 1)) % Verbs.Length];
            string question = $"Whom does {who} {verb[..^1]}?";
            string prompt = i % 4 == 3
                ? $$"""[{"role": "system", "content": "Answer in one sentence."}, {"role": "user", "content": "{{question}}"}]"""
                : $"\"{question}\"";
            lines.Add($$"""{"prompt": {{prompt}}, "chosen": "{{who}} {{verb}} {{whom}}.", "rejected": "{{(i % 2 == 0 ? $"{whom} {other} {who}." : "I do not know.")}}"}""");
        }
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-prefs-").FullName, "prefs.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    public static PreferenceData Data(int maxLength = 64, double validationFraction = 0.25) =>
        PreferenceData.Load(PreferenceFile, ChatFixture.Template, maxLength, validationFraction);

    /// <summary>The engine's reference log-probabilities of the fixture model (seed 3) for every pair of <paramref name="data"/>.</summary>
    public static List<PairLogps> EngineLogps(PreferenceData data, long seed = 3)
    {
        string folder = Path.Combine(Directory.CreateTempSubdirectory("sharplm-ref-").FullName, "model");
        using (var model = ChatFixture.Model(seed)) HfCheckpoint.Save(model, ChatFixture.Tokenizer, folder);
        return EngineReference.Compute(EngineModel.Load(ModelFolder.Open(folder)), data.All.ToList(), threads: 1);
    }
}
