using System.Text;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.PostTraining.Preference;

/// <summary>The reference model's log-probabilities of one pair's completions: sums over completion tokens, and their counts.</summary>
public readonly record struct PairLogps(double Chosen, double Rejected, int ChosenTokens, int RejectedTokens);

/// <summary>
/// <c>reference_logps.jsonl</c> in a DPO run folder: the reference model's log-probabilities, computed once before
/// training (TRL's precompute_ref_log_probs) and reused on resume. The first line describes the file,
/// <c>{"format": "sharplm.reference_logps", "version": 1, "data_fingerprint": "...", "model": "...", "pairs": N}</c>;
/// then one line per pair, training pairs then held-out ones in file order,
/// <c>{"pair": i, "line": L, "chosen_logps": x, "rejected_logps": y, "chosen_tokens": n, "rejected_tokens": m}</c>,
/// where L is the pair's line in the preference JSONL and the log-probabilities are natural-log sums.
/// </summary>
public static class ReferenceLogps
{
    public const string FileName = "reference_logps.jsonl";
    private const string Format = "sharplm.reference_logps";

    public static void Write(string path, string dataFingerprint, string model, IReadOnlyList<long> lines, IReadOnlyList<PairLogps> logps)
    {
        var text = new StringBuilder();
        text.Append(JsonSerializer.Serialize(new Dictionary<string, object> { ["format"] = Format, ["version"] = 1, ["data_fingerprint"] = dataFingerprint, ["model"] = model, ["pairs"] = logps.Count })).Append('\n');
        for (int i = 0; i < logps.Count; i++)
            text.Append(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["pair"] = i, ["line"] = lines[i], ["chosen_logps"] = logps[i].Chosen, ["rejected_logps"] = logps[i].Rejected,
                ["chosen_tokens"] = logps[i].ChosenTokens, ["rejected_tokens"] = logps[i].RejectedTokens,
            })).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads the cache for data with <paramref name="dataFingerprint"/> and <paramref name="pairs"/> pairs; a cache for other data is refused.</summary>
    public static List<PairLogps> Read(string path, string dataFingerprint, int pairs)
    {
        var result = new List<PairLogps>();
        bool header = true;
        foreach (var (number, root) in JsonlLines.ReadObjects(path, "reference log-probabilities"))
        {
            if (header)
            {
                header = false;
                if (Text(root, "format", path, number) != Format) throw new SharpLMException($"{path}:{number}: field 'format' is not '{Format}'.");
                if (Text(root, "data_fingerprint", path, number) != dataFingerprint)
                    throw new SharpLMException($"{path}:{number}: field 'data_fingerprint' belongs to other preference data; start a new run folder or run without --resume.");
                if (Number(root, "pairs", path, number) != pairs)
                    throw new SharpLMException($"{path}:{number}: field 'pairs' is {Number(root, "pairs", path, number)}, but the data has {pairs} pairs.");
                continue;
            }
            if (Number(root, "pair", path, number) != result.Count)
                throw new SharpLMException($"{path}:{number}: field 'pair' is {Number(root, "pair", path, number)}, expected {result.Count}.");
            result.Add(new PairLogps(Number(root, "chosen_logps", path, number), Number(root, "rejected_logps", path, number),
                (int)Number(root, "chosen_tokens", path, number), (int)Number(root, "rejected_tokens", path, number)));
        }
        if (header || result.Count != pairs) throw new SharpLMException($"{path}: holds {result.Count} pairs, but the data has {pairs}; the file is cut short.");
        return result;
    }

    private static string Text(JsonElement root, string field, string path, long line) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new SharpLMException($"{path}:{line}: field '{field}' is missing or not a string.");

    private static double Number(JsonElement root, string field, string path, long line) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new SharpLMException($"{path}:{line}: field '{field}' is missing or not a number.");
}
