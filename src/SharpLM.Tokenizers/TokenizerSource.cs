using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;
using SharpLM.Core;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Tokenizers.Tiktoken;

namespace SharpLM.Tokenizers;

/// <summary>
/// Opens a tokenizer by name or path: a built-in encoding ("cl100k_base", "o200k_base"), a Hugging Face
/// tokenizer.json, or a tiktoken rank file (".tiktoken", which needs a pre-tokenizer pattern).
/// </summary>
public static class TokenizerSource
{
    public const string Cl100kBase = "cl100k_base";
    public const string O200kBase = "o200k_base";

    public static IReadOnlyList<string> BuiltInNames { get; } = [Cl100kBase, O200kBase];

    /// <summary>
    /// Loads a tokenizer. <paramref name="pattern"/> is the pre-tokenizer of a .tiktoken file, which does not
    /// record one; it is required there, since no default splits text as every rank file expects, and refused
    /// elsewhere, since built-in encodings and tokenizer.json files carry their own.
    /// </summary>
    public static BpeTokenizer Load(string nameOrPath, string? pattern = null)
    {
        bool isRankFile = nameOrPath.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase);
        if (pattern is not null && !isRankFile)
            throw new SharpLMException($"option --pattern applies only to .tiktoken files; '{nameOrPath}' carries its own pre-tokenizer.");
        if (nameOrPath == Cl100kBase) return LoadBuiltIn(Cl100kBase, "Microsoft.ML.Tokenizers.Data.Cl100kBase", PreTokenizerPatterns.Cl100k);
        if (nameOrPath == O200kBase) return LoadBuiltIn(O200kBase, "Microsoft.ML.Tokenizers.Data.O200kBase", PreTokenizerPatterns.O200k);
        if (isRankFile)
        {
            if (pattern is null)
                throw new SharpLMException($"{nameOrPath}: a .tiktoken file records no pre-tokenizer; give one with --pattern (gpt2, cl100k, o200k or a regular expression), or convert it to a tokenizer.json with `sharplm tokenizer convert --pattern`.");
            return BpeTokenizer.FromRanks(TiktokenRankFile.Read(nameOrPath), PreTokenizerPatterns.Resolve(pattern), new Dictionary<string, int>(), nameOrPath);
        }
        if (!File.Exists(nameOrPath) && !nameOrPath.Contains('/') && !nameOrPath.Contains('.'))
            throw new SharpLMException($"'{nameOrPath}' is neither a file nor a built-in tokenizer ({string.Join(", ", BuiltInNames)}).");
        return TokenizerJson.Load(nameOrPath);
    }

    /// <summary>
    /// One of OpenAI's encodings, read from its Microsoft.ML.Tokenizers data package (ranks and special tokens)
    /// and turned into SharpLM's tokenizer, so it can encode corpora and back models like any other.
    /// </summary>
    private static BpeTokenizer LoadBuiltIn(string name, string dataPackage, string pattern)
    {
        string resource = name + ".tiktoken.deflate";
        var dataAssembly = System.Reflection.Assembly.Load(dataPackage);
        using var compressed = dataAssembly.GetManifestResourceStream(resource)
            ?? throw new SharpLMException($"{dataPackage} lacks the resource {resource}; its layout changed.");
        using var reader = new StreamReader(new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionMode.Decompress));
        var ranks = TiktokenRankFile.Read(reader, name);
        // The special tokens come from the reference implementation so their ids match it exactly.
        var specials = TiktokenTokenizer.CreateForEncoding(name).SpecialTokens!.ToDictionary(p => p.Key, p => p.Value);
        return BpeTokenizer.FromRanks(ranks, pattern, specials, name);
    }
}
