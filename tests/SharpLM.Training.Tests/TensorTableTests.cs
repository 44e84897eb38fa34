using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Training.Modeling;

namespace SharpLM.Training.Tests;

/// <summary>The TorchSharp modules name their parameters exactly as the model folder's tensor table does, in every family.</summary>
public class TensorTableTests
{
    public static TheoryData<string> Families => ["llama", "llama-untied", "qwen3", "mixtral", "gpt2"];

    private static IModelConfig ConfigFor(string family)
    {
        var llama = LlamaConfig.Create(vocabSize: 64, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 48);
        return family switch
        {
            "llama" => llama,
            "llama-untied" => llama with { TieWordEmbeddings = false },
            "qwen3" => llama.WithQkNorm(),
            "mixtral" => llama.WithExperts(4, 2),
            _ => Gpt2Config.Create(vocabSize: 64, embedding: 32, layers: 2, heads: 4, positions: 16),
        };
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Module_parameters_match_the_tensor_table_in_name_and_stored_shape(string family)
    {
        var config = ConfigFor(family);
        using var model = CausalLanguageModel.Create(config);
        var table = ModelTensorTable.For(config);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(table.Tensors.Select(t => t.Name).Order(), parameters.Keys.Order());
        foreach (var tensor in table.Tensors)
        {
            long[] shape = parameters[tensor.Name];
            Assert.Equal(tensor.Shape, tensor.StoredTransposed ? [.. shape.Reverse()] : shape);
        }
    }
}
