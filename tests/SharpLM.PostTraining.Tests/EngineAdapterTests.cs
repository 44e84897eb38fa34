using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.PostTraining.Lora;
using SharpLM.Training.Checkpoints;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

/// <summary>
/// The engine applying an unmerged adapter (C# merge into its float copy) against the folder TorchSharp merged
/// (PEFT's merge_and_unload, a second implementation), and against the TorchSharp model with the adapter hooked.
/// </summary>
public class EngineAdapterTests
{
    private static readonly int[] Prompt = [3, 17, 42, 99, 5, 250, 8];

    private static float[] EngineLogits(string folder, string? adapter)
    {
        var model = EngineModel.Load(ModelFolder.Open(folder), adapter);
        var session = model.NewSession(1);
        float[] last = [];
        foreach (int token in Prompt) last = session.Forward(token).ToArray();
        return last;
    }

    private static (string Base, string Adapter, string Merged, float[] TorchLogits) Build(LoraOptions options)
    {
        string root = Directory.CreateTempSubdirectory("sharplm-adapter-").FullName;
        string baseFolder = Path.Combine(root, "base"), adapterFolder = Path.Combine(root, "adapter"), mergedFolder = Path.Combine(root, "merged");
        using var model = ChatFixture.Model(tie: false);
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, baseFolder);
        using var adapters = new LoraAdapters(model, options, seed: 2);
        using (no_grad())
        {
            var generator = new Generator(5, CPU);
            foreach (var (name, parameter) in adapters.Parameters.Where(p => p.Name.Contains("lora_B")))
                parameter.copy_(randn(parameter.shape, generator: generator) * 0.1);
        }
        float[] torchLogits;
        using (no_grad())
        using (var logits = model.forward(tensor(Prompt.Select(t => (long)t).ToArray(), [1, Prompt.Length])))
            torchLogits = logits[0, Prompt.Length - 1].data<float>().ToArray();
        Directory.CreateDirectory(adapterFolder);
        adapters.SavePeft(adapterFolder, baseFolder);
        adapters.MergeAndUnload();
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, mergedFolder);
        return (baseFolder, adapterFolder, mergedFolder, torchLogits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_engine_with_an_unmerged_adapter_matches_the_merged_folder_and_torchsharp(bool rsLora)
    {
        var (baseFolder, adapter, merged, torchLogits) = Build(new LoraOptions { Rank = 4, Alpha = 16, Dropout = 0, RsLora = rsLora });
        float[] withAdapter = EngineLogits(baseFolder, adapter), mergedLogits = EngineLogits(merged, null), plain = EngineLogits(baseFolder, null);
        for (int i = 0; i < mergedLogits.Length; i++)
        {
            Near(mergedLogits[i], withAdapter[i], 1e-4);
            Near(torchLogits[i], withAdapter[i], 1e-3);
        }
        Assert.True(plain.Zip(withAdapter).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the adapter changes the logits");

        // export --merge-lora's file-level merge gives the same weights as TorchSharp's.
        string exported = Path.Combine(Path.GetDirectoryName(baseFolder)!, "exported");
        Assert.Equal(14, LoraMergedFolder.Write(baseFolder, adapter, exported));
        float[] exportedLogits = EngineLogits(exported, null);
        for (int i = 0; i < mergedLogits.Length; i++) Near(mergedLogits[i], exportedLogits[i], 1e-4);
    }

    [Fact]
    public void An_adapter_for_another_shape_is_refused_naming_the_tensor()
    {
        var (baseFolder, adapter, _, _) = Build(new LoraOptions { Rank = 4, Dropout = 0 });
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, PeftAdapterConfig.FileName)))!;
        config["r"] = 8;
        File.WriteAllText(Path.Combine(adapter, PeftAdapterConfig.FileName), config.ToJsonString());
        var error = Assert.Throws<Core.SharpLMException>(() => EngineModel.Load(ModelFolder.Open(baseFolder), adapter));
        Assert.Contains("tensor 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight' has shape [4, 48]; r = 8", error.Message);
    }
}
