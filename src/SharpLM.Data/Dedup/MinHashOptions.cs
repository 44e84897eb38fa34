using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.Data.Dedup;

/// <summary>
/// MinHash LSH parameters (datatrove defaults): <see cref="Bands"/> × <see cref="Rows"/> hash functions,
/// shingles of <see cref="ShingleWords"/> normalised words, and the seed of every hash. Two documents with
/// shingle-set Jaccard similarity s become candidates with probability 1 − (1 − s^rows)^bands; with 14 × 8
/// that is 5% at s = 0.5, 56% at 0.7 and 92% at 0.8.
/// </summary>
public sealed record MinHashOptions(
    [property: JsonPropertyName("bands")] int Bands = 14,
    [property: JsonPropertyName("rows")] int Rows = 8,
    [property: JsonPropertyName("shingle_words")] int ShingleWords = 5,
    [property: JsonPropertyName("seed")] ulong Seed = 1)
{
    public const string Section = "minhash";

    [JsonIgnore] public int SignatureLength => Bands * Rows;

    /// <summary>The probability that a pair with Jaccard similarity <paramref name="jaccard"/> shares at least one band.</summary>
    public double CandidateProbability(double jaccard) => 1 - Math.Pow(1 - Math.Pow(jaccard, Rows), Bands);

    public void Validate()
    {
        if (Bands < 1) throw new SharpLMException($"{Section}.bands must be 1 or more (got {Bands}).");
        if (Rows < 1) throw new SharpLMException($"{Section}.rows must be 1 or more (got {Rows}).");
        if ((long)Bands * Rows > 4096) throw new SharpLMException($"{Section}.bands × {Section}.rows must be at most 4096 (got {(long)Bands * Rows}).");
        if (ShingleWords < 1) throw new SharpLMException($"{Section}.shingle_words must be 1 or more (got {ShingleWords}).");
    }
}
