using SharpLM.Data.Contamination;
using SharpLM.Data.Dedup;

namespace SharpLM.Feedback.Flywheel;

/// <summary>
/// Decides which candidates of one output are kept, in the order offered: an item overlapping a sealed evaluation item
/// is dropped first (contamination is counted even when the item is also a duplicate), then exact duplicates of a
/// training line or of an earlier item, then near-duplicates of either (MinHash LSH from the data stage, with
/// 3-word shingles because feedback items are short).
/// </summary>
internal sealed class ItemFilter
{
    public const string Contaminated = "contaminated";
    public const string InTrainingData = "duplicate_of_training_data";
    public const string Duplicate = "duplicate";
    public const string NearTrainingData = "near_duplicate_of_training_data";
    public const string NearDuplicate = "near_duplicate";
    public static readonly IReadOnlyList<string> Reasons = [Contaminated, InTrainingData, Duplicate, NearTrainingData, NearDuplicate];

    public static readonly MinHashOptions NearOptions = new(ShingleWords: 3);
    private const string TrainingPrefix = "train:";

    private readonly ContaminationIndex? _sealed;
    private readonly HashSet<UInt128> _training;
    private readonly HashSet<UInt128> _seen = [];
    private readonly MinHasher _hasher;
    private readonly MinHashLshIndex _near = new(NearOptions);

    public Dictionary<string, int> Drops { get; } = Reasons.ToDictionary(r => r, _ => 0);

    /// <summary>Sealed item keys this output's candidates overlapped, with how many candidates hit each.</summary>
    public SortedDictionary<string, int> SealedHits { get; } = new(StringComparer.Ordinal);

    public ItemFilter(ContaminationIndex? sealedIndex, HashSet<UInt128> trainingKeys, IReadOnlyList<(string Key, ulong[] Signature)> trainingSignatures, MinHasher hasher)
    {
        _sealed = sealedIndex;
        _training = trainingKeys;
        _hasher = hasher;
        foreach (var (key, signature) in trainingSignatures) _near.TryAdd(TrainingPrefix + key, signature, out _);
    }

    public static UInt128 ExactKey(string text) => ExactDeduplicator.KeyOf(ItemText.Normalize(text));

    /// <summary>Null when the item is kept, else the reason it is dropped.</summary>
    public string? Check(FlywheelItem item)
    {
        if (_sealed?.Matches(item.FullText) is { Count: > 0 } hits)
        {
            foreach (string hit in hits) SealedHits[hit] = SealedHits.GetValueOrDefault(hit) + 1;
            return Drop(Contaminated);
        }
        var key = ExactKey(item.KeyText);
        if (_training.Contains(key)) return Drop(InTrainingData);
        if (!_seen.Add(key)) return Drop(Duplicate);
        if (HasWords(item.KeyText) && !_near.TryAdd(item.FeedbackId, _hasher.Signature(item.KeyText), out string? duplicateOf))
            return Drop(duplicateOf!.StartsWith(TrainingPrefix, StringComparison.Ordinal) ? NearTrainingData : NearDuplicate);
        return null;
    }

    /// <summary>A text without words has an empty shingle set: every such text would share one signature.</summary>
    public static bool HasWords(string text) => text.Any(char.IsLetterOrDigit);

    private string Drop(string reason)
    {
        Drops[reason]++;
        return reason;
    }
}
