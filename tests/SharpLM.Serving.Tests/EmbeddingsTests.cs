using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Embeddings;
using SharpLM.Core.Models;
using SharpLM.Inference;
using SharpLM.Inference.Gpt2;
using SharpLM.Inference.Llama;

namespace SharpLM.Serving.Tests;

/// <summary>POST /v1/embeddings over real HTTP: through the OpenAI SDK's EmbeddingClient, and raw for the wire details.</summary>
[Collection("server")]
public class EmbeddingsTests(ServerFixture fixture)
{
    private EmbeddingClient Embeddings() => new OpenAIClient(new ApiKeyCredential(ServerFixture.Key),
        new OpenAIClientOptions { Endpoint = new Uri(fixture.Address, "/v1") }).GetEmbeddingClient("tiny");

    private HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = fixture.Address };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ServerFixture.Key);
        return client;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string json)
    {
        using var response = await Client().PostAsync("/v1/embeddings", new StringContent(json, Encoding.UTF8, "application/json"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    /// <summary>The embedding computed here, from the engine's hidden states directly: their mean, in double, scaled to unit length.</summary>
    private float[] Expected(IReadOnlyList<int> tokens)
    {
        var session = new LlamaSession(EngineModel.Load(fixture.ModelDirectory).Llama!, threads: 1);
        int dim = session.HiddenSize;
        var hidden = new float[tokens.Count * dim];
        session.ForwardHidden(tokens.ToArray(), hidden);
        var mean = new double[dim];
        for (int t = 0; t < tokens.Count; t++) for (int j = 0; j < dim; j++) mean[j] += hidden[t * dim + j];
        double norm = Math.Sqrt(mean.Sum(x => x * x));
        return mean.Select(x => (float)(x / norm)).ToArray();
    }

    private static void AssertClose(float[] expected, ReadOnlyMemory<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        // By absolute difference: rounding both to five places can split two values 1e-8 apart (0.138734996 against 0.138735011).
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual.Span[j]) <= 1e-5, $"component {j}: expected {expected[j]}, got {actual.Span[j]}");
    }

    [Fact]
    public async Task The_sdk_gets_unit_length_means_of_the_final_hidden_states_in_input_order()
    {
        string[] texts = ["the whale sails", "Ahab watches the storm at sea from the deck", "calm"];
        var result = (await Embeddings().GenerateEmbeddingsAsync(texts)).Value;
        Assert.Equal(texts.Length, result.Count);
        int tokens = 0;
        for (int i = 0; i < texts.Length; i++)
        {
            var ids = ServerFixture.Tokenizer.Encode(texts[i]);
            tokens += ids.Count;
            Assert.Equal(i, result[i].Index);
            var vector = result[i].ToFloats();
            Assert.Equal(ServerFixture.Config.HiddenSize, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.ToArray().Sum(x => (double)x * x)), 1e-5);
            AssertClose(Expected(ids), vector);
        }
        Assert.Equal(tokens, result.Usage.InputTokenCount);
        Assert.Equal(tokens, result.Usage.TotalTokenCount);
        Assert.NotEqual(result[0].ToFloats().ToArray(), result[1].ToFloats().ToArray());
    }

    [Fact]
    public async Task Token_ids_give_the_same_vector_as_the_text_they_encode()
    {
        const string text = "the ship sails into the storm";
        var ids = ServerFixture.Tokenizer.Encode(text);
        var client = Embeddings();
        var fromText = (await client.GenerateEmbeddingAsync(text)).Value.ToFloats().ToArray();
        var fromIds = (await client.GenerateEmbeddingsAsync([ids.ToArray().AsMemory()])).Value;
        Assert.Single(fromIds);
        Assert.Equal(fromText, fromIds[0].ToFloats().ToArray());

        var (status, body) = await Post(JsonSerializer.Serialize(new { model = "tiny", input = ids, encoding_format = "float" }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fromText, body.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Fact]
    public async Task Base64_carries_the_same_little_endian_float32_values_and_the_response_has_openais_shape()
    {
        string request(string format) => JsonSerializer.Serialize(new { model = "tiny", input = new[] { "the whale", "the mast" }, encoding_format = format, user = "someone" });
        var (floatStatus, floats) = await Post(request("float"));
        var (base64Status, base64) = await Post(request("base64"));
        Assert.Equal(HttpStatusCode.OK, floatStatus);
        Assert.Equal(HttpStatusCode.OK, base64Status);
        Assert.Equal("list", floats.GetProperty("object").GetString());
        Assert.Equal("tiny", floats.GetProperty("model").GetString());
        Assert.True(floats.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
        for (int i = 0; i < 2; i++)
        {
            var item = floats.GetProperty("data")[i];
            Assert.Equal("embedding", item.GetProperty("object").GetString());
            Assert.Equal(i, item.GetProperty("index").GetInt32());
            var expected = item.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            byte[] bytes = Convert.FromBase64String(base64.GetProperty("data")[i].GetProperty("embedding").GetString()!);
            Assert.Equal(expected.Length * 4, bytes.Length);
            var decoded = Enumerable.Range(0, expected.Length).Select(j => BitConverter.ToSingle(bytes.AsSpan(j * 4, 4))).ToArray();
            Assert.Equal(expected, decoded);
        }
    }

    [Fact]
    public async Task The_sdk_sees_a_400_for_dimensions_other_than_the_hidden_size()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Embeddings().GenerateEmbeddingsAsync(["the whale"], new EmbeddingGenerationOptions { Dimensions = 16 }));
        Assert.Equal(400, error.Status);
        var result = (await Embeddings().GenerateEmbeddingsAsync(["the whale"], new EmbeddingGenerationOptions { Dimensions = ServerFixture.Config.HiddenSize })).Value;
        Assert.Equal(ServerFixture.Config.HiddenSize, result[0].ToFloats().Length);
    }

    [Theory]
    [InlineData("""{"model":"tiny"}""", "input")]
    [InlineData("""{"input":[]}""", "input")]
    [InlineData("""{"input":7.5}""", "input")]
    [InlineData("""{"input":["the whale", ""]}""", "input[1]")]
    [InlineData("""{"input":[[1,2],[3,100000]]}""", "input[1]")]
    [InlineData("""{"input":["the whale", {"text":"x"}]}""", "input[1]")]
    [InlineData("""{"input":"the whale","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"input":"the whale","dimensions":16}""", "dimensions")]
    public async Task Malformed_requests_are_400s_naming_the_field(string json, string param)
    {
        var (status, body) = await Post(json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_input_longer_than_the_context_is_a_400_naming_it()
    {
        int context = ServerFixture.Config.MaxPositionEmbeddings;
        var (status, body) = await Post(JsonSerializer.Serialize(new { input = new[] { new[] { 1, 2 }, Enumerable.Repeat(5, context + 1).ToArray() } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("input[1]", body.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains(context.ToString(), body.GetProperty("error").GetProperty("message").GetString());

        var (fits, _) = await Post(JsonSerializer.Serialize(new { input = Enumerable.Repeat(5, context).ToArray() }));
        Assert.Equal(HttpStatusCode.OK, fits);
    }

    [Fact]
    public async Task Embeddings_while_the_scheduler_decodes_give_the_vectors_of_a_quiet_server()
    {
        // Long enough for the requests to overlap in the embedder.
        string text = string.Join(" ", Enumerable.Repeat("the harpoon and the mast", 150));
        var quiet = (await Embeddings().GenerateEmbeddingAsync(text)).Value.ToFloats().ToArray();
        const string chat = """{"model":"tiny","messages":[{"role":"user","content":"the whale"}],"max_tokens":120,"temperature":0}""";
        var generations = Enumerable.Range(0, 3).Select(_ => Client().PostAsync("/v1/chat/completions", new StringContent(chat, Encoding.UTF8, "application/json"))).ToArray();
        var embeddings = Enumerable.Range(0, 8).Select(_ => Embeddings().GenerateEmbeddingAsync(text)).ToArray();
        foreach (var embedding in embeddings) Assert.Equal(quiet, (await embedding).Value.ToFloats().ToArray());
        foreach (var generation in generations) Assert.Equal(HttpStatusCode.OK, (await generation).StatusCode);
    }

    [Fact]
    public async Task Embedding_requests_on_many_threads_take_turns_over_the_one_embedder()
    {
        var model = ServedModel.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        var tokens = Enumerable.Range(0, 1500).Select(i => i * 7 % ServerFixture.Tokenizer.VocabularySize).ToArray();
        var quiet = (await model.EmbedAsync([tokens], CancellationToken.None))[0];
        var results = new List<float[]>();
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 4; i++)
            {
                // A failure is recorded, not thrown: an exception escaping a thread would stop the test host.
                float[] vector;
                try { vector = model.EmbedAsync([tokens], CancellationToken.None).GetAwaiter().GetResult()[0]; }
                catch (Exception e) { vector = [float.NaN, e.Message.Length]; }
                lock (results) results.Add(vector);
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Equal(16, results.Count);
        foreach (var vector in results) Assert.Equal(quiet, vector);
    }

    [Fact]
    public async Task A_gpt2_model_is_served_embeddings_of_its_final_layer_norm()
    {
        var config = Gpt2Config.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, embedding: 32, layers: 2, heads: 4, positions: 64);
        string directory = ServerFixture.CreateModel(config);
        await using var server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = directory, ModelId = "gpt2", Port = 0, Parallel = 1, Threads = 1 },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        var client = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1") }).GetEmbeddingClient("gpt2");

        var ids = ServerFixture.Tokenizer.Encode("the whale watches the ship");
        var vector = (await client.GenerateEmbeddingAsync("the whale watches the ship")).Value.ToFloats();
        var session = new Gpt2Session(Gpt2Weights.Load(directory), threads: 1);
        var hidden = new float[ids.Count * 32];
        session.ForwardHidden(ids.ToArray(), hidden);
        var mean = Enumerable.Range(0, 32).Select(j => Enumerable.Range(0, ids.Count).Sum(t => (double)hidden[t * 32 + j])).ToArray();
        double norm = Math.Sqrt(mean.Sum(x => x * x));
        AssertClose(mean.Select(x => (float)(x / norm)).ToArray(), vector);

        var tooLong = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingsAsync([Enumerable.Repeat(3, 65).ToArray().AsMemory()]));
        Assert.Equal(400, tooLong.Status);
        Assert.Contains("input[0]", tooLong.Message);
    }
}
