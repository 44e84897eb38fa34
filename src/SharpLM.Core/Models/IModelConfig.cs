namespace SharpLM.Core.Models;

/// <summary>What every stage needs to know of a model's architecture, whatever its family.</summary>
public interface IModelConfig
{
    /// <summary>transformers' model_type: "llama", "qwen3", "mixtral" or "gpt2".</summary>
    string ModelType { get; }
    int VocabSize { get; }
    int HiddenSize { get; }
    int NumHiddenLayers { get; }
    int MaxPositionEmbeddings { get; }
    int? BosTokenId { get; }
    int? EosTokenId { get; }
    long ParameterCount { get; }

    /// <summary>
    /// Training FLOPs per token as in the PaLM paper's accounting: 6 × parameters taking part in matrix
    /// multiplies for this token (output projection included) + 12 × layers × hidden × sequence length.
    /// </summary>
    double TrainingFlopsPerToken(int sequenceLength);

    string ToJson();
    void Save(string path);
}

/// <summary>Reads a config.json of any supported family: the file is read and parsed once, then bound to the family's type by model_type.</summary>
public static class ModelConfigFile
{
    public static IModelConfig Load(string path)
    {
        IO.InputFiles.RequireFile(path, "model config");
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
                throw new SharpLMException($"{path}: not a valid model config (the file holds {root.ValueKind.ToString().ToLowerInvariant()}, not an object).");
            bool gpt2 = root.TryGetProperty("model_type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String && type.GetString() == "gpt2";
            return gpt2 ? Gpt2Config.FromJson(root, path) : LlamaConfig.FromJson(root, path);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new SharpLMException($"{path}: not a valid model config ({IO.JsonFile.FirstSentence(e.Message)}).");
        }
    }
}
