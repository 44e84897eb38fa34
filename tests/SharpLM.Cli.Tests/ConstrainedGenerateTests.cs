using System.Text.Json;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Tests;

/// <summary>`generate --json-schema` / `--regex` end to end on a tiny random-weight Llama model folder (no training needed).</summary>
public class ConstrainedGenerateTests
{
    private static readonly Lazy<string> Model = new(() =>
    {
        string dir = CliProcess.TempDirectory();
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 40).Select(i => $"{{\"name\":\"whale {i}\",\"size\":{i * 7},\"ok\":true}} the sea café"),
            new BpeTrainerOptions { VocabularySize = 320 });
        TokenizerJson.Save(tokenizer, Path.Combine(dir, "tokenizer.json"));
        var config = LlamaConfig.Create(tokenizer.VocabularySize, hiddenSize: 32, layers: 1, heads: 4, intermediateSize: 64, maxPositions: 512);
        config.Save(Path.Combine(dir, "config.json"));
        var random = new Random(8);
        SafetensorsTensor Tensor(string name, params long[] shape)
        {
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            bool norm = shape.Length == 1;
            for (int i = 0; i < values.Length; i++) values[i] = norm ? 1 : (float)(random.NextDouble() - 0.5) * 0.4f;
            return SafetensorsTensor.FromFloat32(name, shape, values);
        }
        long d = config.HiddenSize, ff = config.IntermediateSize;
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"),
        [
            Tensor("model.embed_tokens.weight", config.VocabSize, d), Tensor("model.norm.weight", d),
            Tensor("model.layers.0.input_layernorm.weight", d), Tensor("model.layers.0.post_attention_layernorm.weight", d),
            Tensor("model.layers.0.self_attn.q_proj.weight", d, d), Tensor("model.layers.0.self_attn.k_proj.weight", d, d),
            Tensor("model.layers.0.self_attn.v_proj.weight", d, d), Tensor("model.layers.0.self_attn.o_proj.weight", d, d),
            Tensor("model.layers.0.mlp.gate_proj.weight", ff, d), Tensor("model.layers.0.mlp.up_proj.weight", ff, d),
            Tensor("model.layers.0.mlp.down_proj.weight", d, ff),
        ]);
        return dir;
    });

    [Fact]
    public void Json_schema_output_parses_and_holds_the_required_fields()
    {
        string schema = Path.Combine(CliProcess.TempDirectory(), "schema.json");
        File.WriteAllText(schema, """
            {"type":"object","properties":{"name":{"type":"string","maxLength":12},"size":{"type":"integer"},"ok":{"type":"boolean"}},"required":["name","size","ok"]}
            """);
        foreach (string seed in new[] { "1", "2", "3" })
        {
            var result = CliProcess.Run("generate", "--model", Model.Value, "--json-schema", schema, "--max-tokens", "300", "--seed", seed, "--max-whitespace", "2");
            Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
            using var document = JsonDocument.Parse(result.Output.TrimEnd('\n'));
            Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("name").ValueKind);
            Assert.True(document.RootElement.GetProperty("size").TryGetInt64(out _));
            Assert.Contains(document.RootElement.GetProperty("ok").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
            Assert.True(document.RootElement.GetProperty("name").GetString()!.Length <= 12);
        }
    }

    [Fact]
    public void Regex_output_matches_and_a_short_budget_is_reported()
    {
        var matched = CliProcess.Run("generate", "--model", Model.Value, "--prompt", "id ", "--regex", @"[A-Z]{2}-\d{3}", "--max-tokens", "20");
        Assert.True(matched.ExitCode == 0, matched.Error);
        Assert.Matches(@"^id [A-Z]{2}-\d{3}\n$", matched.Output);

        var cut = CliProcess.Run("generate", "--model", Model.Value, "--prompt", "id ", "--regex", @"[A-Z]{2}-\d{3}", "--max-tokens", "2");
        Assert.Equal(1, cut.ExitCode);
        Assert.Equal("sharplm: warning: the output is unfinished: --max-tokens 2 (or the model's context) ran out before it completed the pattern.", cut.Error.Trim());
    }
}
