using System.Security.Cryptography;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.Chat;
using SharpLM.Core.IO;

namespace SharpLM.PostTraining.Rl;

/// <summary>One prompt of online RL: the conversation to answer, its line in the file, and the exact answer a verifier checks.</summary>
public sealed record RlPrompt(long Line, IReadOnlyList<ChatTurn> Prompt, string? Answer);

/// <summary>
/// Reads RL prompts JSONL: <c>{"prompt": string or messages, "answer": string}</c>. The files `data synth` writes are
/// taken as they are: a preference line's <c>chosen</c> stands in for the answer (its final "#### n" or its text),
/// and a held-out word problem's <c>question</c> for the prompt. A string prompt is one user turn.
/// </summary>
public static class RlPrompts
{
    public static List<RlPrompt> Read(string path, bool answerRequired)
    {
        var result = new List<RlPrompt>();
        foreach (var (number, root) in JsonlLines.ReadObjects(path, "prompts JSONL"))
        {
            var promptField = root.TryGetProperty("prompt", out var p) ? ("prompt", p) : root.TryGetProperty("question", out var q) ? ("question", q) : ((string, JsonElement)?)null;
            if (promptField is not var (promptName, promptValue)) throw new SharpLMException($"{path}:{number}: field 'prompt' is missing.");
            var prompt = Turns(promptValue, path, number, promptName);
            string? answer = root.TryGetProperty("answer", out var a) ? Text(a, path, number, "answer")
                : root.TryGetProperty("chosen", out var c) ? Completion(c, path, number) : null;
            if (answerRequired && string.IsNullOrWhiteSpace(answer))
                throw new SharpLMException($"{path}:{number}: field 'answer' is missing or empty; the verifier reward needs the exact answer.");
            result.Add(new RlPrompt(number, prompt, answer));
        }
        if (result.Count == 0) throw new SharpLMException($"{path}: holds no prompt.");
        return result;
    }

    /// <summary>SHA-256 of the file, recorded in checkpoints so a resume on other prompts is refused.</summary>
    public static string Fingerprint(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static List<ChatTurn> Turns(JsonElement value, string path, long line, string field)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            string text = value.GetString()!;
            if (text.Length == 0) throw new SharpLMException($"{path}:{line}: field '{field}' is empty.");
            return [new ChatTurn(ChatTurn.User, text)];
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            throw new SharpLMException($"{path}:{line}: field '{field}' is neither a string nor a non-empty message list.");
        var turns = new List<ChatTurn>();
        int i = 0;
        foreach (var message in value.EnumerateArray())
        {
            string where = $"{field}[{i++}]";
            if (message.ValueKind != JsonValueKind.Object) throw new SharpLMException($"{path}:{line}: field '{where}' is not a message object.");
            string role = message.TryGetProperty("role", out var r) ? Text(r, path, line, where + ".role") : throw new SharpLMException($"{path}:{line}: field '{where}.role' is missing.");
            if (!ChatTurn.Roles.Contains(role)) throw new SharpLMException($"{path}:{line}: field '{where}.role' is '{role}'; use system, user, assistant or tool.");
            string content = message.TryGetProperty("content", out var t) ? Text(t, path, line, where + ".content") : throw new SharpLMException($"{path}:{line}: field '{where}.content' is missing.");
            turns.Add(new ChatTurn(role, content));
        }
        return turns;
    }

    /// <summary>A preference line's chosen side: a string, or the content of its last message.</summary>
    private static string Completion(JsonElement value, string path, long line) =>
        value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value[value.GetArrayLength() - 1].TryGetProperty("content", out var content)
            ? Text(content, path, line, "chosen")
            : Text(value, path, line, "chosen");

    private static string Text(JsonElement value, string path, long line, string field) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()!
            : value.ValueKind == JsonValueKind.Number ? value.GetRawText()
            : throw new SharpLMException($"{path}:{line}: field '{field}' is not a string.");
}
