using System.Text.Json.Serialization;

namespace SharpLM.Feedback.Flywheel;

/// <summary>
/// manifest.json of a flywheel build: what went in (the capture's feedback, training data and sealed sets, each
/// hashed), and per output the candidates, what was kept, the drops by reason and the file's hash. It holds no
/// time, so two builds of the same inputs and seed are byte-identical.
/// </summary>
public sealed record FlywheelManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("min_rating")] int MinRating,
    [property: JsonPropertyName("contamination_n")] int ContaminationN,
    [property: JsonPropertyName("capture")] CaptureInput Capture,
    [property: JsonPropertyName("training_data")] IReadOnlyList<FileInput> TrainingData,
    [property: JsonPropertyName("sealed")] IReadOnlyList<FileInput> Sealed,
    [property: JsonPropertyName("outputs")] IReadOnlyDictionary<string, OutputCounts> Outputs)
{
    public const string FormatName = "sharplm-flywheel-build/1";
    public const string FileName = "manifest.json";
}

public sealed record CaptureInput(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("feedback")] int Feedback,
    [property: JsonPropertyName("ratings")] int Ratings,
    [property: JsonPropertyName("pairwise")] int Pairwise,
    [property: JsonPropertyName("pairwise_ties_skipped")] int TiesSkipped,
    [property: JsonPropertyName("feedback_sha256")] string FeedbackSha256);

public sealed record FileInput(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("lines")] int Lines,
    [property: JsonPropertyName("sha256")] string Sha256);

public sealed record OutputCounts(
    [property: JsonPropertyName("candidates")] int Candidates,
    [property: JsonPropertyName("written")] int Written,
    [property: JsonPropertyName("dropped")] IReadOnlyDictionary<string, int> Dropped,
    [property: JsonPropertyName("sealed_items_hit")] IReadOnlyDictionary<string, int> SealedItemsHit,
    [property: JsonPropertyName("sha256")] string Sha256);
