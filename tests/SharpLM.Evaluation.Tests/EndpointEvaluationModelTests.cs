using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Evaluation.Endpoint;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;
using SharpLM.Inference;
using SharpLM.Serving;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Evaluation.Tests;

/// <summary>The endpoint backend against the real SharpLM server over the same model folder the engine backend reads.</summary>
public sealed class EndpointEvaluationModelTests : IAsyncLifetime
{
    private const string Key = "sk-eval-0123456789";
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });
    private readonly string _directory = CreateModel(256);
    // The same weights with one position less: an echoed request of 256 tokens predicts 255, as this engine's windows do.
    private readonly string _engineDirectory = CreateModel(255);
    private SharpLMServer _server = null!;

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["the", "Sky", "Grass", "colour", "red", "blue", "green", "purple", "white", "black", "Question", "Answer", "one", "two"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + "?";
    }

    private static string CreateModel(int maxPositions) => RandomModelFolder.Create(Tokenizer, maxPositions, seed: 5, "sharplm-eval-endpoint-");

    public async Task InitializeAsync()
    {
        string keys = _directory + ".keys";
        await File.WriteAllTextAsync(keys, Key + "\n");
        _server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = _directory, ModelId = "tiny", Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1 },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await _server.Ready;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private EngineEvaluationModel Engine()
    {
        var folder = ModelFolder.Open(_engineDirectory);
        return new EngineEvaluationModel(EngineModel.Load(folder).NewSession(1), ModelFolderTokenizer.Load(folder), "tiny");
    }

    private EndpointEvaluationModel Endpoint(string key = Key) =>
        new(new EndpointClient(_server.Address.ToString(), key, TimeSpan.FromSeconds(60)), null, maxLength: 256);

    [Fact]
    public void LoglikelihoodsMatchTheEngine()
    {
        var engine = Engine();
        var endpoint = Endpoint();
        Assert.True(endpoint.SendsTokens);
        Assert.Equal("tiny", endpoint.Name);
        var requests = new[]
        {
            new LoglikelihoodRequest("Question: Sky colour?\nAnswer:", " blue"),
            new LoglikelihoodRequest("Question: Sky colour?\nAnswer: ", "red green"),
            new LoglikelihoodRequest("", "the Grass"),
        };
        foreach (var request in requests)
        {
            var expected = engine.Loglikelihood(request);
            var actual = endpoint.Loglikelihood(request);
            Assert.Equal(expected.LogLikelihood, actual.LogLikelihood, 1e-4);
            Assert.Equal(expected.IsGreedy, actual.IsGreedy);
        }
        Assert.Equal(engine.LoglikelihoodRolling("one two the Sky is blue"), endpoint.LoglikelihoodRolling("one two the Sky is blue"), 1e-4);
        // Longer than the 256-token context: several windows, each sent as at most 256 tokens.
        string page = string.Join(" ", Corpus().Take(40));
        Assert.True(Tokenizer.Encode(page).Count > 600);
        Assert.Equal(engine.LoglikelihoodRolling(page), endpoint.LoglikelihoodRolling(page), 1e-3);
    }

    [Fact]
    public async Task TextPromptsMatchTheEngineWhenTheServerDoesNotTokenize()
    {
        await using var proxy = new ProxyWithoutTokenize(_server.Address);
        var endpoint = new EndpointEvaluationModel(new EndpointClient(proxy.Address, Key, TimeSpan.FromSeconds(60)), null, maxLength: 256);
        Assert.False(endpoint.SendsTokens);
        var engine = Engine();
        foreach (var request in new[] { new LoglikelihoodRequest("Question: Sky colour?\nAnswer:", " blue"), new LoglikelihoodRequest("Question: Grass colour?\nAnswer: ", "green"),
                     new LoglikelihoodRequest("", "the Grass") })
        {
            var expected = engine.Loglikelihood(request);
            var actual = endpoint.Loglikelihood(request);
            Assert.Equal(expected.LogLikelihood, actual.LogLikelihood, 1e-4);
            Assert.Equal(expected.IsGreedy, actual.IsGreedy);
        }
        Assert.Equal(engine.LoglikelihoodRolling("one two the Sky is blue"), endpoint.LoglikelihoodRolling("one two the Sky is blue"), 1e-4);
    }

    [Fact]
    public void TaskMetricsMatchTheEngine()
    {
        string folder = TaskFixtures.Folder();
        foreach (string file in new[] { TaskFixtures.Arc(folder), TaskFixtures.Wikitext(folder) })
        {
            var task = TaskConfig.Load(file);
            var expected = TaskEvaluator.Evaluate(task, Engine(), bootstrapIterations: 0);
            var actual = TaskEvaluator.Evaluate(task, Endpoint(), bootstrapIterations: 0);
            Assert.Equal(expected.Metrics.Keys.Order(), actual.Metrics.Keys.Order());
            foreach (var (name, value) in expected.Metrics)
                if (value is not null && value.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                {
                    // Perplexities are exponentials of the log-likelihoods: the same 1e-4 holds relative to their size.
                    double a = (double)value, b = (double)actual.Metrics[name]!;
                    Assert.True(Math.Abs(a - b) <= 1e-4 * Math.Max(1, Math.Abs(a)), $"{task.Name} {name}: engine {a}, endpoint {b}");
                }
        }
    }

    [Fact]
    public void GenerationMatchesTheEngine()
    {
        var request = new GenerationRequest("Question: Sky colour?\nAnswer:", ["?"], 6, false, 0);
        Assert.Equal(Engine().Generate(request), Endpoint().Generate(request));
    }

    [Fact]
    public void AWrongKeyIsOneClearError()
    {
        var error = Assert.Throws<SharpLMException>(() => Endpoint("sk-wrong").Loglikelihood(new LoglikelihoodRequest("the", " Sky")));
        Assert.Contains("refused the API key (HTTP 401)", error.Message);
    }

    [Fact]
    public void AnUnreachableEndpointIsOneClearError()
    {
        int port = FreePort();
        var error = Assert.Throws<SharpLMException>(() =>
            new EndpointEvaluationModel(new EndpointClient($"http://127.0.0.1:{port}", null, TimeSpan.FromSeconds(10)), "m", 256));
        Assert.StartsWith($"cannot reach the endpoint http://127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task AServerThatRefusesEchoCannotReturnPromptLogprobs()
    {
        using var stub = new RefusingServer(400, """{"error": {"message": "Only no echo is supported", "type": "invalid_request_error"}}""");
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(10)), "m", 256);
        var error = Assert.Throws<SharpLMException>(() => model.Loglikelihood(new LoglikelihoodRequest("the", " Sky")));
        Assert.Equal($"the endpoint {stub.Address} cannot return prompt log-probabilities (echo with logprobs), which log-likelihood tasks need: "
            + "it refused echo with logprobs (Only no echo is supported).", error.Message);
        await stub.DisposeAsync();
    }

    [Fact]
    public async Task AServerThatOmitsPromptLogprobsCannotReturnThem()
    {
        using var stub = new RefusingServer(200, """{"choices": [{"index": 0, "text": "the Sky", "logprobs": null}]}""");
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(10)), "m", 256);
        var error = Assert.Throws<SharpLMException>(() => model.Loglikelihood(new LoglikelihoodRequest("the", " Sky")));
        Assert.Contains("cannot return prompt log-probabilities", error.Message);
        await stub.DisposeAsync();
    }

    [Theory]
    [InlineData("[1, 2]", "answered v1/completions with something other than a JSON object")]
    [InlineData("""{"choices": {"text": "x"}}""", "cannot return prompt log-probabilities")]
    [InlineData("""{"choices": [{"index": 0, "logprobs": {"tokens": ["the", " Sky"], "token_logprobs": [null, "low"], "text_offset": [0, 3]}}]}""",
        "its token_logprobs[1] is not a number")]
    // Echo that returns only the generated token's log-probability, as some servers do.
    [InlineData("""{"choices": [{"index": 0, "text": "the Sky x", "logprobs": {"tokens": [" x"], "token_logprobs": [-1.0], "top_logprobs": [{" x": -1.0}], "text_offset": [7]}}]}""",
        "its text_offset does not place the continuation after the context")]
    public async Task AnAnswerOfAnotherShapeIsOneClearError(string body, string expected)
    {
        using var stub = new RefusingServer(200, body);
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(10)), "m", 256);
        var error = Assert.Throws<SharpLMException>(() => model.Loglikelihood(new LoglikelihoodRequest("the", " Sky")));
        Assert.Contains(expected, error.Message);
        await stub.DisposeAsync();
    }

    [Fact]
    public async Task ASilentServerTimesOut()
    {
        // Only the completions route is silent; the timeout leaves the other routes room to answer on a loaded machine.
        using var stub = new RefusingServer(200, "{}", delay: TimeSpan.FromMinutes(2));
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(5)), "m", 256);
        var error = Assert.Throws<SharpLMException>(() => model.Loglikelihood(new LoglikelihoodRequest("the", " Sky")));
        Assert.Equal($"the endpoint {stub.Address} did not answer v1/completions within 5 seconds (raise --timeout for a slow server).", error.Message);
        await stub.DisposeAsync();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Forwards every request to the real server but answers /tokenize with 404, as a server without it does.</summary>
    private sealed class ProxyWithoutTokenize : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly HttpClient _client;
        private readonly Task _loop;

        public ProxyWithoutTokenize(Uri target)
        {
            _client = new HttpClient { BaseAddress = target };
            Address = $"http://127.0.0.1:{FreePort()}";
            _listener.Prefixes.Add(Address + "/");
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); } catch (Exception) { return; }
                    try
                    {
                        if (context.Request.Url!.AbsolutePath == "/tokenize")
                        {
                            context.Response.StatusCode = 404;
                            context.Response.Close();
                            continue;
                        }
                        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), context.Request.Url!.PathAndQuery.TrimStart('/'));
                        if (context.Request.HasEntityBody)
                        {
                            using var body = new MemoryStream();
                            await context.Request.InputStream.CopyToAsync(body);
                            forward.Content = new ByteArrayContent(body.ToArray());
                            forward.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                        }
                        if (context.Request.Headers["Authorization"] is string authorization) forward.Headers.TryAddWithoutValidation("Authorization", authorization);
                        using var answer = await _client.SendAsync(forward);
                        context.Response.StatusCode = (int)answer.StatusCode;
                        await context.Response.OutputStream.WriteAsync(await answer.Content.ReadAsByteArrayAsync());
                        context.Response.Close();
                    }
                    catch (Exception) { context.Response.Abort(); }
                }
            });
        }

        public string Address { get; }

        public async ValueTask DisposeAsync()
        {
            _listener.Close();
            await _loop;
            _client.Dispose();
        }
    }

    /// <summary>A server without /tokenize that answers /v1/completions with a fixed status and body.</summary>
    private sealed class RefusingServer : IDisposable, IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public RefusingServer(int status, string body, TimeSpan delay = default)
        {
            Address = $"http://127.0.0.1:{FreePort()}";
            _listener.Prefixes.Add(Address + "/");
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); } catch (Exception) { return; }
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            bool completions = context.Request.Url!.AbsolutePath == "/v1/completions";
                            if (completions && delay > TimeSpan.Zero) await Task.Delay(delay);
                            context.Response.StatusCode = completions ? status : 404;
                            var bytes = System.Text.Encoding.UTF8.GetBytes(completions ? body : "{}");
                            await context.Response.OutputStream.WriteAsync(bytes);
                            context.Response.Close();
                        }
                        catch (Exception) { }
                    });
                }
            });
        }

        public string Address { get; }

        public void Dispose() => _listener.Close();

        public async ValueTask DisposeAsync()
        {
            _listener.Close();
            await _loop;
        }
    }
}
