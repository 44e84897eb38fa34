using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using SharpLM.Retrieval.Embeddings;

namespace SharpLM.Retrieval.Tests;

public class MiniLmEmbeddingTests(MiniLmFixture miniLm) : IClassFixture<MiniLmFixture>
{
    private float[][] Embed(params string[] texts) => miniLm.Embedder().Embed(texts);

    /// <summary>
    /// The cosine similarities sentence-transformers publishes for all-MiniLM-L6-v2 in its documentation
    /// (sbert.net, "Computing Embeddings" and "Semantic Textual Similarity"), to four decimals; the packaged ONNX model and tokenizer reproduce them to within rounding.
    /// </summary>
    [Theory]
    [InlineData("The weather is lovely today.", "It's so sunny outside!", 0.6660)]
    [InlineData("The weather is lovely today.", "He drove to the stadium.", 0.1046)]
    [InlineData("It's so sunny outside!", "He drove to the stadium.", 0.1411)]
    [InlineData("The new movie is awesome", "The new movie is so great", 0.8939)]
    [InlineData("The new movie is awesome", "The dog plays in the garden", 0.0543)]
    [InlineData("The cat sits outside", "The dog plays in the garden", 0.2838)]
    [InlineData("The new movie is awesome", "A woman watches TV", -0.0502)]
    public void Similarities_match_the_published_reference_values(string a, string b, double expected)
    {
        var vectors = Embed(a, b);
        Assert.Equal(expected, TensorPrimitives.CosineSimilarity(vectors[0], vectors[1]), 1e-4);
    }

    [Fact]
    public void Embeddings_are_unit_length_384_wide_and_independent_of_the_batch()
    {
        string[] texts = ["Congress shall lay and collect taxes.", "The army was reduced.", "Peace with the Indian tribes.", "A"];
        var batched = miniLm.Embedder(batchSize: 3).Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, batched[i].Length);
            Assert.Equal(1, TensorPrimitives.Norm(batched[i]), 1e-4);
            // Padding in a batch must not change a text's vector.
            Assert.Equal(1, TensorPrimitives.CosineSimilarity(batched[i], Embed(texts[i])[0]), 1e-4);
        }
    }

    [Fact]
    public void A_paraphrase_is_closer_than_an_unrelated_sentence()
    {
        var v = Embed("The government must reduce the national debt.", "We have to pay down what the country owes.", "The whale swam beneath the ship.");
        Assert.True(TensorPrimitives.CosineSimilarity(v[0], v[1]) > TensorPrimitives.CosineSimilarity(v[0], v[2]) + 0.2);
    }

    [Fact]
    public void Overlong_text_is_cut_at_the_word_limit_instead_of_failing()
    {
        string text = string.Join(' ', Enumerable.Repeat("revenue", 2000));
        Assert.Equal(MiniLmEmbeddingGenerator.MaxWords, SharpLM.Retrieval.Chunking.TokenCounter.Words(MiniLmEmbeddingGenerator.Truncate(text)));
        Assert.Equal(384, Embed(text)[0].Length);
    }

    [Fact]
    public void It_describes_itself_through_the_abstraction()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = miniLm.Generator;
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal("all-MiniLM-L6-v2", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
    }
}
