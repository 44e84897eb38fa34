using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SharpLM.Core.IO;
using SharpLM.Data.Contamination;
using SharpLM.Data.Dedup;
using SharpLM.Feedback.Capture;

namespace SharpLM.Feedback.Flywheel;

/// <summary>Where a build is: its stage and items done of the stage's total.</summary>
public sealed record FlywheelProgress(string Stage, long Done, long Total);

/// <summary>
/// `sharplm flywheel build`: turns the capture database's feedback into training and evaluation data.
/// <list type="bullet">
/// <item>sft.jsonl — corrected answers (the correction replaces the response) and answers rated at least --min-rating;</item>
/// <item>dpo.jsonl — pairwise choices (ties skipped) and corrections (the correction chosen over the original);</item>
/// <item>failures.jsonl + failures.yaml — negatively rated prompts as an lm-eval task, the correction as the target.</item>
/// </list>
/// Each output is filtered by <see cref="ItemFilter"/> and shuffled under the seed; the folder is replaced whole, with
/// a <see cref="FlywheelManifest"/>.
/// </summary>
public static class FlywheelBuilder
{
    public const string SftFile = "sft.jsonl";
    public const string DpoFile = "dpo.jsonl";
    public const string FailuresFile = "failures.jsonl";
    public const string FailuresTaskFile = "failures.yaml";

    /// <summary>Why an item is dropped, in the order they are checked (the keys of <see cref="OutputCounts.Dropped"/>).</summary>
    public static IReadOnlyList<string> DropReasons => ItemFilter.Reasons;

    public static FlywheelManifest Build(FlywheelOptions options, IProgress<FlywheelProgress>? progress = null)
    {
        options.Validate();
        progress?.Report(new FlywheelProgress("reading the capture", 0, 1));
        IReadOnlyList<StoredFeedback> feedback;
        using (var store = CaptureStore.Open(options.CaptureDatabase, create: false)) feedback = store.ReadFeedback();
        progress?.Report(new FlywheelProgress("reading the capture", 1, 1));

        var (sft, dpo, failures, ties) = Candidates(feedback, options.MinRating);
        var hasher = new MinHasher(ItemFilter.NearOptions);
        var (trainingInputs, trainingKeys, trainingSignatures) = ReadTraining(options.TrainingData, hasher, progress);
        var (sealedInputs, sealedIndex) = ReadSealed(options.SealedSets, options.ContaminationN, progress);

        var outputs = new (string File, List<FlywheelItem> Candidates)[] { (SftFile, sft), (DpoFile, dpo), (FailuresFile, failures) };
        long total = outputs.Sum(o => o.Candidates.Count), done = 0;
        var kept = new Dictionary<string, List<FlywheelItem>>();
        var filters = new Dictionary<string, ItemFilter>();
        for (int o = 0; o < outputs.Length; o++)
        {
            var (file, candidates) = outputs[o];
            var filter = new ItemFilter(sealedIndex, trainingKeys, trainingSignatures, hasher);
            var items = new List<FlywheelItem>();
            foreach (var item in candidates)
            {
                if (filter.Check(item) is null) items.Add(item);
                progress?.Report(new FlywheelProgress("filtering", ++done, total));
            }
            Shuffle(items, new Random(unchecked(options.Seed * 31 + o)));
            kept[file] = items;
            filters[file] = filter;
        }

        var counts = new Dictionary<string, OutputCounts>();
        FlywheelManifest? manifest = null;
        AtomicDirectory.Write(options.OutputDirectory, staging =>
        {
            foreach (var (file, candidates) in outputs)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(kept[file].Select(i => i.Json + "\n")));
                File.WriteAllBytes(Path.Combine(staging, file), bytes);
                var filter = filters[file];
                counts[file] = new OutputCounts(candidates.Count, kept[file].Count, filter.Drops, filter.SealedHits, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            }
            File.WriteAllText(Path.Combine(staging, FailuresTaskFile), FailureTask.Yaml(FailuresFile));
            manifest = new FlywheelManifest(FlywheelManifest.FormatName, options.Seed, options.MinRating, options.ContaminationN,
                new CaptureInput(options.CaptureDatabase, feedback.Count, feedback.Count(f => f.Entry is RatingFeedback), feedback.Count(f => f.Entry is PairwiseFeedback),
                    ties, FeedbackHash(feedback)),
                trainingInputs, sealedInputs, counts);
            File.WriteAllText(Path.Combine(staging, FlywheelManifest.FileName), JsonSerializer.Serialize(manifest, new JsonSerializerOptions
            {
                WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }) + "\n");
        });
        return manifest!;
    }

    private static (List<FlywheelItem> Sft, List<FlywheelItem> Dpo, List<FlywheelItem> Failures, int Ties) Candidates(IReadOnlyList<StoredFeedback> feedback, int minRating)
    {
        List<FlywheelItem> sft = [], dpo = [], failures = [];
        int ties = 0;
        foreach (var row in feedback)
        {
            switch (row.Entry)
            {
                case RatingFeedback rating:
                    if (rating.Correction is { Length: > 0 } correction)
                    {
                        sft.Add(FlywheelItem.Sft(row.Id, rating.Prompt, correction));
                        dpo.Add(FlywheelItem.Preference(row.Id, rating.Prompt, correction, rating.Response));
                    }
                    else if (rating.Rating >= minRating) sft.Add(FlywheelItem.Sft(row.Id, rating.Prompt, rating.Response));
                    if (rating.Rating < 0)
                        failures.Add(FlywheelItem.Failure(row.Id, rating.Prompt, rating.Model, rating.Response, rating.Correction is { Length: > 0 } c ? c : null));
                    break;
                case PairwiseFeedback pair when pair.Preferred == "tie":
                    ties++;
                    break;
                case PairwiseFeedback pair:
                    var (chosen, rejected) = pair.Preferred == "a" ? (pair.A, pair.B) : (pair.B, pair.A);
                    dpo.Add(FlywheelItem.Preference(row.Id, pair.Prompt, chosen.Response, rejected.Response));
                    break;
            }
        }
        return (sft, dpo, failures, ties);
    }

    private static (List<FileInput>, HashSet<UInt128>, List<(string, ulong[])>) ReadTraining(IReadOnlyList<string> paths, MinHasher hasher, IProgress<FlywheelProgress>? progress)
    {
        var inputs = new List<FileInput>();
        var keys = new HashSet<UInt128>();
        var signatures = new List<(string, ulong[])>();
        for (int i = 0; i < paths.Count; i++)
        {
            progress?.Report(new FlywheelProgress("reading training data", i, paths.Count));
            InputFiles.RequireFile(paths[i], "training data");
            var lines = ReferenceTexts.Read(paths[i], "training JSONL", $"{i}:");
            foreach (var line in lines)
            {
                keys.Add(ItemFilter.ExactKey(line.Text));
                if (ItemFilter.HasWords(line.Text)) signatures.Add((line.Key, hasher.Signature(line.Text)));
            }
            inputs.Add(new FileInput(paths[i], lines.Count, ReferenceTexts.Sha256(paths[i])));
        }
        return (inputs, keys, signatures);
    }

    private static (List<FileInput>, ContaminationIndex?) ReadSealed(IReadOnlyList<string> paths, int n, IProgress<FlywheelProgress>? progress)
    {
        var inputs = new List<FileInput>();
        var lines = new List<ReferenceTexts.Line>();
        var files = paths.SelectMany(ReferenceTexts.SealedFiles).ToList();
        for (int i = 0; i < files.Count; i++)
        {
            progress?.Report(new FlywheelProgress("indexing sealed sets", i, files.Count));
            var read = ReferenceTexts.Read(files[i], "sealed evaluation JSONL", "");
            lines.AddRange(read);
            inputs.Add(new FileInput(files[i], read.Count, ReferenceTexts.Sha256(files[i])));
        }
        return (inputs, lines.Count == 0 ? null : ReferenceTexts.Index(lines, n));
    }

    private static void Shuffle(List<FlywheelItem> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Names the feedback a build read (ids and times), so a manifest tells which state of the capture it came from.</summary>
    private static string FeedbackHash(IReadOnlyList<StoredFeedback> feedback) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(feedback.Select(f => $"{f.Id} {f.CreatedAt:O}\n")))));
}
