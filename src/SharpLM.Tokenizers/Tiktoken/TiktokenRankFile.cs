using System.Text;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Tiktoken;

/// <summary>
/// tiktoken's rank files (".tiktoken"): one line per token, "base64(token bytes) rank", where the rank is both
/// the merge priority and the token id. Special tokens are not part of the file. An optional first line
/// "Capacity: N" (a size hint written by Microsoft.ML.Tokenizers' packaged data) is skipped, and a line holding
/// only the token takes the next rank in file order, as in that package's data.
/// </summary>
public static class TiktokenRankFile
{
    public static List<(byte[] Bytes, int Rank)> Read(string path)
    {
        InputFiles.RequireFile(path, "tiktoken rank");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static List<(byte[] Bytes, int Rank)> Read(TextReader reader, string path)
    {
        var ranks = new List<(byte[], int)>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            if (lineNumber == 1 && line.StartsWith("Capacity: ", StringComparison.Ordinal)) continue; // a size hint some writers add
            string[] parts = line.Split(' ');
            int rank = ranks.Count; // a bare token line takes the next rank
            if (parts.Length > 2 || (parts.Length == 2 && (!int.TryParse(parts[1], out rank) || rank < 0)))
                throw new SharpLMException($"{path}:{lineNumber}: expected \"<base64 token> <rank>\", got \"{Shorten(line)}\".");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(parts[0]);
            }
            catch (FormatException)
            {
                throw new SharpLMException($"{path}:{lineNumber}: \"{Shorten(parts[0])}\" is not valid base64.");
            }
            ranks.Add((bytes, rank));
        }
        return ranks;
    }

    /// <summary>
    /// Writes a tokenizer's vocabulary as ranks. Exact for tokenizers whose ids follow merge order (every
    /// tokenizer SharpLM trains, and GPT-2-style vocabularies), since tiktoken uses the id as merge priority.
    /// </summary>
    public static void Write(BpeTokenizer tokenizer, string path)
    {
        var lines = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var (token, id) in tokenizer.Vocabulary.OrderBy(p => p.Value))
        {
            bytes.Clear();
            if (!ByteLevelAlphabet.TryDecode(token, bytes))
                throw new SharpLMException($"token {id} ('{token}') is not written in the byte-level alphabet and has no tiktoken form.");
            lines.Append(Convert.ToBase64String(bytes.ToArray())).Append(' ').Append(id).Append('\n');
        }
        AtomicFile.WriteAllText(path, lines.ToString());
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
