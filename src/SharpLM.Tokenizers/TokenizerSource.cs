using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;
using SharpLM.Core;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Tokenizers.Tiktoken;

namespace SharpLM.Tokenizers;

/// <summary>
/// Opens a tokenizer by name or path: a built-in encoding ("cl100k_base"), a Hugging Face tokenizer.json, or a
/// tiktoken rank file (".tiktoken", with a pre-tokenizer pattern).
/// </summary>
public static class TokenizerSource
{
    public const string Cl100kBase = "cl100k_base";

    public static IReadOnlyList<string> BuiltInNames { get; } = [Cl100kBase];

    public static BpeTokenizer Load(string nameOrPath, string? pattern = null)
    {
        if (nameOrPath == Cl100kBase) return LoadCl100k();
        if (nameOrPath.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase))
            return BpeTokenizer.FromRanks(TiktokenRankFile.Read(nameOrPath), PreTokenizerPatterns.Resolve(pattern ?? "gpt2"),
                new Dictionary<string, int>(), nameOrPath);
        if (!File.Exists(nameOrPath) && !nameOrPath.Contains('/') && !nameOrPath.Contains('.'))
            throw new SharpLMException($"'{nameOrPath}' is neither a file nor a built-in tokenizer ({string.Join(", ", BuiltInNames)}).");
        return TokenizerJson.Load(nameOrPath);
    }

    /// <summary>
    /// OpenAI's cl100k_base, read from the Microsoft.ML.Tokenizers.Data.Cl100kBase package (ranks and special
    /// tokens) and turned into SharpLM's tokenizer, so it can encode corpora and back models like any other.
    /// </summary>
    private static BpeTokenizer LoadCl100k()
    {
        const string resource = "cl100k_base.tiktoken.deflate";
        var dataAssembly = System.Reflection.Assembly.Load("Microsoft.ML.Tokenizers.Data.Cl100kBase");
        using var compressed = dataAssembly.GetManifestResourceStream(resource)
            ?? throw new SharpLMException($"{dataAssembly.GetName().Name} lacks the resource {resource}; its layout changed.");
        using var reader = new StreamReader(new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionMode.Decompress));
        var ranks = TiktokenRankFile.Read(reader, Cl100kBase);
        // The special tokens come from the reference implementation so their ids match it exactly.
        var specials = TiktokenTokenizer.CreateForEncoding(Cl100kBase).SpecialTokens!.ToDictionary(p => p.Key, p => p.Value);
        return BpeTokenizer.FromRanks(ranks, PreTokenizerPatterns.Cl100k, specials, Cl100kBase);
    }
}
