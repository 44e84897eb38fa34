using System.Text.Json;
using SharpLM.Core.Formats.Chat;
using SharpLM.Evaluation.Tasks;
using SharpLM.Feedback.Capture;
using SharpLM.Feedback.Flywheel;

namespace SharpLM.Feedback.Tests;

public class FlywheelBuildTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    // An evaluation item planted in the feedback: it must never reach any output.
    private const string SealedQuestion = "Which harbour did the lighthouse keeper of Port Ellery sail from on the night of the great winter storm?";
    private const string SealedAnswer = "Northgate";

    private static readonly string LongAnswer = string.Join(" ", Enumerable.Range(0, 40).Select(i => $"word{i}")) + " the whale surfaced near the ship";

    private static List<CapturedMessage> Ask(string text) => [new("system", "Answer briefly."), new("user", text)];

    /// <summary>A capture with ratings, corrections, pairwise choices (one a tie), planted duplicates and a planted sealed item.</summary>
    private static string Capture()
    {
        string path = CaptureDatabase.NewPath();
        var clock = new ManualClock(Start);
        using var store = CaptureStore.Open(path, create: true, clock);
        void Add(FeedbackEntry entry)
        {
            clock.Now = clock.Now.AddSeconds(1);
            store.RecordFeedback(entry, CaptureIdentity.Anonymous);
        }
        for (int i = 0; i < 8; i++) Add(new RatingFeedback($"c{i}", null, "tiny", Ask($"Name sea creature number {i}."), $"Creature {i} is a whale of kind {i * 7}.", 1, null));
        Add(new RatingFeedback("dup", null, "tiny", Ask("Name sea creature number 3."), "creature 3   is a WHALE of kind 21.", 1, null)); // exact after normalising
        Add(new RatingFeedback("long", null, "tiny", Ask("Count for me."), LongAnswer, 1, null));
        Add(new RatingFeedback("near", null, "tiny", Ask("Count for me."), LongAnswer.Replace("near the ship", "near the boat"), 1, null));
        Add(new RatingFeedback("trained", null, "tiny", Ask("What sails at dawn?"), "The ship sails at dawn.", 1, null));
        Add(new RatingFeedback("bad", "chatcmpl-1", "tiny", Ask("What is the capital of France?"), "Lyon.", -1, "Paris."));
        Add(new RatingFeedback("bad2", "chatcmpl-2", "tiny", Ask("Spell whale backwards."), "whale", -1, null));
        Add(new RatingFeedback("leak", null, "tiny", Ask(SealedQuestion), "Southgate.", -1, SealedAnswer));
        Add(new RatingFeedback("leak2", null, "tiny", Ask("Tell me: " + SealedQuestion), SealedAnswer, 1, null));
        Add(new PairwiseFeedback("p1", Ask("Describe the sea."), new PairwiseCandidate("m1", "Blue and wide."), new PairwiseCandidate("m2", "Grey and cold."), "b"));
        Add(new PairwiseFeedback("p2", Ask("Describe the sky."), new PairwiseCandidate("m1", "High."), new PairwiseCandidate("m2", "Low."), "tie"));
        Add(new PairwiseFeedback("p3", Ask(SealedQuestion), new PairwiseCandidate("m1", "North."), new PairwiseCandidate("m2", SealedAnswer), "b"));
        return path;
    }

    private static (string Training, string SealedFolder) References()
    {
        string directory = Directory.CreateTempSubdirectory("sharplm-flywheel-refs-").FullName;
        string training = Path.Combine(directory, "train.jsonl");
        File.WriteAllText(training, """
            {"messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"What sails at dawn?"},{"role":"assistant","content":"The ship sails at dawn."}]}
            {"text":"unrelated training text about harpoons"}

            """);
        string sealedFolder = Path.Combine(directory, "sealed");
        Directory.CreateDirectory(sealedFolder);
        File.WriteAllText(Path.Combine(sealedFolder, "harbours.yaml"), "task: harbours\n");
        File.WriteAllText(Path.Combine(sealedFolder, "harbours.test.jsonl"),
            JsonSerializer.Serialize(new { question = SealedQuestion, answer = SealedAnswer }) + "\n" + JsonSerializer.Serialize(new { question = "Unrelated?", answer = "Yes" }) + "\n");
        return (training, sealedFolder);
    }

    private static readonly Lazy<(string Training, string SealedFolder)> SharedReferences = new(References);

    private static FlywheelManifest Build(string capture, string output, int seed = 7)
    {
        var (training, sealedFolder) = SharedReferences.Value;
        return FlywheelBuilder.Build(new FlywheelOptions
        {
            CaptureDatabase = capture, OutputDirectory = output, TrainingData = [training], SealedSets = [sealedFolder], Seed = seed,
        });
    }

    private static string NewOutput() => Path.Combine(Directory.CreateTempSubdirectory("sharplm-flywheel-").FullName, "build");

    [Fact]
    public void Outputs_are_byte_identical_for_a_seed_and_reordered_by_another()
    {
        string capture = Capture();
        string first = NewOutput(), second = NewOutput(), other = NewOutput();
        Build(capture, first);
        Build(capture, second);
        Build(capture, other, seed: 8);
        var files = Directory.GetFiles(first).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["dpo.jsonl", "failures.jsonl", "failures.yaml", "manifest.json", "sft.jsonl"], files);
        foreach (string file in files!) Assert.Equal(File.ReadAllBytes(Path.Combine(first, file!)), File.ReadAllBytes(Path.Combine(second, file!)));
        var sft = File.ReadAllLines(Path.Combine(first, "sft.jsonl"));
        var reordered = File.ReadAllLines(Path.Combine(other, "sft.jsonl"));
        Assert.NotEqual(sft, reordered);
        Assert.Equal(sft.Order(), reordered.Order());
    }

    [Fact]
    public void No_output_contains_a_planted_evaluation_item_and_each_drop_is_counted()
    {
        string output = NewOutput();
        var manifest = Build(Capture(), output);
        foreach (string file in Directory.GetFiles(output).Where(f => f.EndsWith(".jsonl")))
        {
            string text = File.ReadAllText(file);
            Assert.DoesNotContain("Port Ellery", text);
            Assert.DoesNotContain(SealedAnswer, text);
        }
        // leak2 (SFT), leak (SFT via correction, DPO via correction, failures) and p3 (DPO).
        Assert.Equal(2, manifest.Outputs["sft.jsonl"].Dropped["contaminated"]);
        Assert.Equal(2, manifest.Outputs["dpo.jsonl"].Dropped["contaminated"]);
        Assert.Equal(1, manifest.Outputs["failures.jsonl"].Dropped["contaminated"]);
        Assert.Equal(new Dictionary<string, int> { ["harbours.test.jsonl:1"] = 2 }, manifest.Outputs["sft.jsonl"].SealedItemsHit);
        Assert.Equal(2, manifest.Sealed.Single().Lines);
    }

    [Fact]
    public void Planted_duplicates_are_removed_exact_near_and_against_training_data()
    {
        string output = NewOutput();
        var manifest = Build(Capture(), output);
        var sft = manifest.Outputs["sft.jsonl"];
        Assert.Equal(1, sft.Dropped["duplicate"]);                        // "creature 3   is a WHALE" = "Creature 3 is a whale"
        Assert.Equal(1, sft.Dropped["near_duplicate"]);                   // the long answer with "boat" for "ship"
        Assert.Equal(1, sft.Dropped["duplicate_of_training_data"]);       // "The ship sails at dawn."
        Assert.Equal(0, sft.Dropped["near_duplicate_of_training_data"]);
        // 8 creatures + dup + long + near + trained + 1 correction (bad) + leak correction + leak2 = 15 candidates.
        Assert.Equal((15, 15 - 2 - 3), (sft.Candidates, sft.Written));
        var lines = File.ReadAllLines(Path.Combine(output, "sft.jsonl"));
        Assert.Equal(sft.Written, lines.Length);
        Assert.Single(lines, l => l.Contains("kind 21", StringComparison.OrdinalIgnoreCase));
        Assert.Single(lines, l => l.Contains("word0"));
        Assert.DoesNotContain(lines, l => l.Contains("sails at dawn"));
        Assert.Equal(manifest.Outputs["sft.jsonl"].Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(output, "sft.jsonl")))));
    }

    [Fact]
    public void Outputs_read_back_through_the_sft_and_preference_readers_and_the_evaluation_task_loader()
    {
        string output = NewOutput();
        var manifest = Build(Capture(), output);

        var sft = ChatJsonl.Read(Path.Combine(output, "sft.jsonl")).ToList();
        Assert.Equal(manifest.Outputs["sft.jsonl"].Written, sft.Count);
        var corrected = sft.Single(e => e.Turns.Any(t => t.Content == "What is the capital of France?"));
        Assert.Equal("Paris.", corrected.Turns[^1].Content);                        // the correction replaces the answer

        var pairs = PreferenceJsonl.Read(Path.Combine(output, "dpo.jsonl")).ToList();
        Assert.Equal(2, pairs.Count);                                                // p1 and the France correction; p2 a tie, p3 and leak sealed
        var sea = pairs.Single(p => p.Prompt[^1].Content == "Describe the sea.");
        Assert.Equal(("Grey and cold.", "Blue and wide."), (sea.Chosen.Single().Content, sea.Rejected.Single().Content));
        var france = pairs.Single(p => p.Prompt[^1].Content == "What is the capital of France?");
        Assert.Equal(("Paris.", "Lyon."), (france.Chosen.Single().Content, france.Rejected.Single().Content));
        Assert.Equal(1, manifest.Capture.TiesSkipped);

        var task = TaskConfig.Load(Path.Combine(output, "failures.yaml"));
        var documents = TaskDocuments.Load(task, task.EvaluationSplit);
        Assert.Equal(2, documents.Count);                                            // bad and bad2; leak is sealed
        var withTarget = documents.Single(d => (string)d["target"]! == "Paris.");
        Assert.Equal("system: Answer briefly.\nuser: What is the capital of France?\nassistant:", withTarget["prompt"]);
        Assert.Equal("", documents.Single(d => (bool)d["has_target"]! == false)["target"]);
    }
}
