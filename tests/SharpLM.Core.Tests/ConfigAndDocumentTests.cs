using SharpLM.Core.Formats.Documents;
using SharpLM.Core.Models;

namespace SharpLM.Core.Tests;

public class ConfigAndDocumentTests
{
    [Fact]
    public void Llama_config_round_trips_with_transformers_key_names()
    {
        using var dir = new TempDirectory();
        var config = LlamaConfig.Create(vocabSize: 4096, hiddenSize: 192, layers: 4, heads: 4, keyValueHeads: 2, eosTokenId: 4095);
        config.Save(dir.File("config.json"));
        string json = File.ReadAllText(dir.File("config.json"));
        foreach (string key in new[] { "\"architectures\"", "\"LlamaForCausalLM\"", "\"num_key_value_heads\": 2", "\"rms_norm_eps\"", "\"tie_word_embeddings\": true", "\"intermediate_size\": 512" })
            Assert.Contains(key, json);
        var loaded = LlamaConfig.Load(dir.File("config.json"));
        Assert.Equal(config.ToJson(), loaded.ToJson());
    }

    [Fact]
    public void A_transformers_config_without_head_dim_or_kv_heads_gets_the_defaults()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("config.json"), """
            {"architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 32,
             "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}
            """);
        var config = LlamaConfig.Load(dir.File("config.json"));
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(500000.0, config.RopeTheta);
    }

    [Fact]
    public void An_inconsistent_config_names_the_file_and_field()
    {
        using var dir = new TempDirectory();
        string path = dir.File("config.json");
        File.WriteAllText(path, """{"vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3, "max_position_embeddings": 32}""");
        var error = Assert.Throws<SharpLMException>(() => LlamaConfig.Load(path));
        Assert.Equal($"{path}: field 'num_key_value_heads' must divide num_attention_heads (4).", error.Message);
    }

    [Fact]
    public void Config_with_a_wrong_value_type_names_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("config.json");
        File.WriteAllText(path, """{"vocab_size": "many"}""");
        var error = Assert.Throws<SharpLMException>(() => LlamaConfig.Load(path));
        Assert.StartsWith($"{path}: not a valid model config", error.Message);
    }

    [Fact]
    public void Documents_round_trip_and_a_bad_line_is_reported_with_its_number()
    {
        using var dir = new TempDirectory();
        string path = dir.File("docs.jsonl");
        var doc = new Document { Id = "a/1", Text = "Hello \"world\"\n✓", Source = "test", License = "CC0-1.0", Meta = new() { ["year"] = "1790" } };
        DocumentJsonl.Write(path, [doc, doc with { Id = "a/2" }]);
        var read = DocumentJsonl.Read(path).ToList();
        Assert.Equal(2, read.Count);
        Assert.Equal(doc.Text, read[0].Text);
        Assert.Equal("1790", read[0].Meta!["year"]);

        File.AppendAllText(path, "{\"id\": \"x\", \"source\": \"s\", \"license\": \"l\"}\n");
        var error = Assert.Throws<SharpLMException>(() => DocumentJsonl.Read(path).ToList());
        Assert.StartsWith($"{path}:3: not a valid document", error.Message);
        Assert.Contains("text", error.Message);
    }
}
