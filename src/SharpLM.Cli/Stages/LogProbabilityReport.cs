using System.Globalization;
using System.Text.Json;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Cli.Stages;

/// <summary>
/// Prints the log-probabilities of a generation, one line per token: the token's text as a JSON string (so
/// spaces and newlines stay visible), its log-probability, then the most likely tokens at that position.
/// </summary>
public static class LogProbabilityReport
{
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Print(IReadOnlyList<TokenLogProbabilities> entries, BpeTokenizer tokenizer, TextWriter output)
    {
        string Show(TokenLogProbability entry) =>
            $"{JsonSerializer.Serialize(tokenizer.Decode([entry.Token]), Readable)} {entry.LogProbability.ToString("F4", CultureInfo.InvariantCulture)}";
        output.WriteLine($"log-probabilities (natural log of the model's softmax, before sampling settings), {entries.Count} tokens:");
        foreach (var entry in entries)
            output.WriteLine(entry.Top.Count == 0 ? $"  {Show(entry.Chosen)}" : $"  {Show(entry.Chosen)}    top: {string.Join("  ", entry.Top.Select(Show))}");
        if (entries.Count > 0)
            output.WriteLine($"  total {entries.Sum(e => e.Chosen.LogProbability).ToString("F4", CultureInfo.InvariantCulture)}, " +
                $"perplexity {Math.Exp(-entries.Average(e => e.Chosen.LogProbability)).ToString("F3", CultureInfo.InvariantCulture)}");
    }
}
