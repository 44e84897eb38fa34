using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
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

/// <summary>Generation through /v1/chat/completions and concurrent requests, against the real server and a recording stub.</summary>
public sealed class EndpointChatConcurrencyTests : IAsyncLifetime
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });
    private readonly string _directory = CreateModel();
    private SharpLMServer _server = null!;

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(11);
        string[] words = ["the", "Sky", "Grass", "colour", "red", "blue", "green", "Question", "Answer", "one", "two", "####", "7", "12"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + "?";
    }

    private static string CreateModel() => RandomModelFolder.Create(Tokenizer, 256, seed: 3, "sharplm-eval-chat-");

    public async Task InitializeAsync()
    {
        _server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = _directory, ModelId = "tiny", Port = 0, Parallel = 4, Threads = 1 },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await _server.Ready;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private EndpointEvaluationModel Endpoint(bool chat = false) =>
        new(new EndpointClient(_server.Address.ToString(), null, TimeSpan.FromSeconds(60)), null, maxLength: 256, chat);

    private EngineEvaluationModel Engine()
    {
        var folder = ModelFolder.Open(_directory);
        return new EngineEvaluationModel(EngineModel.Load(folder).NewSession(1), ModelFolderTokenizer.Load(folder), "tiny");
    }

    [Fact]
    public void ChatGenerationIsTheEnginesOnTheChatMlRenderingOfTheContext()
    {
        const string context = "Question: Sky colour?\nAnswer:";
        var chat = Endpoint(chat: true);
        Assert.True(chat.Chat);
        string answer = chat.Generate(new GenerationRequest(context, ["?"], 6, false, 0));
        // ChatML written out by hand: one user turn, then the open assistant turn the server's template adds.
        string rendered = $"<|im_start|>user\n{context}<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Engine().Generate(new GenerationRequest(rendered, ["?"], 6, false, 0)), answer);
        Assert.NotEqual(Endpoint().Generate(new GenerationRequest(context, ["?"], 6, false, 0)), answer);
    }

    [Fact]
    public async Task ChatRequestsCarryOneUserMessageAndTheGenerationSettings()
    {
        await using var stub = new ScriptedServer((path, body) => path == "/v1/chat/completions"
            ? (200, """{"choices": [{"index": 0, "message": {"role": "assistant", "content": " 42 then more\nQuestion: next"}}]}""")
            : (404, "{}"));
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(10)), "m", 256, chat: true);
        string answer = model.Generate(new GenerationRequest("Question: 6*7?\nAnswer:", ["\n", "Question:", "a", "b", "c"], 32, false, 0));
        Assert.Equal(" 42 then more", answer);
        var sent = JsonNode.Parse(stub.Bodies.Single(b => b.Path == "/v1/chat/completions").Body)!;
        Assert.Equal("m", (string)sent["model"]!);
        Assert.Equal("user", (string)sent["messages"]![0]!["role"]!);
        Assert.Equal("Question: 6*7?\nAnswer:", (string)sent["messages"]![0]!["content"]!);
        Assert.Single(sent["messages"]!.AsArray());
        Assert.Equal(32, (int)sent["max_tokens"]!);
        Assert.Equal(0, (double)sent["temperature"]!);
        Assert.Equal(["\n", "Question:", "a", "b"], sent["stop"]!.AsArray().Select(s => (string)s!));
        Assert.Null(sent["prompt"]);
    }

    [Fact]
    public async Task AChatAnswerWithoutContentIsOneClearError()
    {
        await using var stub = new ScriptedServer((path, _) => path == "/v1/chat/completions" ? (200, """{"choices": [{"index": 0, "text": "x"}]}""") : (404, "{}"));
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(10)), "m", 256, chat: true);
        var error = Assert.Throws<SharpLMException>(() => model.Generate(new GenerationRequest("hi", [], 4, false, 0)));
        Assert.Equal($"the endpoint {stub.Address} answered /v1/chat/completions without choices[0].message.content.", error.Message);
    }

    [Fact]
    public void ConcurrentRequestsGiveTheSequentialResultsInDocumentOrder()
    {
        string folder = TaskFixtures.Folder();
        foreach (string file in new[] { TaskFixtures.Arc(folder), TaskFixtures.Gsm8k(folder) })
        {
            var task = TaskConfig.Load(file);
            var sequential = TaskEvaluator.Evaluate(task, Endpoint(), bootstrapIterations: 0);
            var progress = new List<int>();
            var concurrent = TaskEvaluator.Evaluate(task, Endpoint(), bootstrapIterations: 0, progress: (done, _) => progress.Add(done), concurrency: 4);
            Assert.Equal(sequential.Samples.Select(s => s.ToJsonString()), concurrent.Samples.Select(s => s.ToJsonString()));
            Assert.Equal(sequential.Metrics.ToDictionary(p => p.Key, p => p.Value?.ToJsonString()), concurrent.Metrics.ToDictionary(p => p.Key, p => p.Value?.ToJsonString()));
            Assert.Equal(Enumerable.Range(1, sequential.EffectiveDocuments), progress);
        }
    }

    [Fact]
    public async Task AtMostTheGivenNumberOfRequestsAreInFlight()
    {
        await using var stub = new ScriptedServer((path, _) => path == "/v1/completions"
            ? (200, """{"choices": [{"index": 0, "text": " 7"}]}""")
            : (404, "{}"), delay: TimeSpan.FromMilliseconds(300));
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(30)), "m", 256);
        var answers = OrderedParallel.Map(Enumerable.Range(0, 12).ToList(), 3, i => model.Generate(new GenerationRequest($"Question {i}", [], 4, false, 0)));
        Assert.All(answers, a => Assert.Equal(" 7", a));
        // Each request waits 300 ms at the server, so three workers overlap; a fourth never starts while three are out.
        Assert.Equal(3, stub.MostInFlight);
        Assert.Equal(12, stub.Bodies.Count(b => b.Path == "/v1/completions"));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"Question {i}").ToHashSet(),
            stub.Bodies.Where(b => b.Path == "/v1/completions").Select(b => (string)JsonNode.Parse(b.Body)!["prompt"]!).ToHashSet());
    }

    [Fact]
    public async Task ASilentServerUnderConcurrencyIsStillOneSentence()
    {
        // Only the /v1/ routes are silent; the timeout leaves /tokenize room to answer on a loaded machine.
        await using var stub = new ScriptedServer((path, _) => path == "/tokenize" ? (404, "{}") : (200, "{}"), delay: TimeSpan.FromMinutes(2));
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(5)), "m", 256);
        var task = TaskConfig.Load(TaskFixtures.Gsm8k(TaskFixtures.Folder()));
        var error = Assert.Throws<SharpLMException>(() => TaskEvaluator.Evaluate(task, model, concurrency: 3));
        Assert.Equal($"the endpoint {stub.Address} did not answer v1/completions within 5 seconds (raise --timeout for a slow server).", error.Message);
    }

    [Fact]
    public async Task AServerGoneAfterTheStartIsOneSentenceUnderConcurrency()
    {
        var stub = new ScriptedServer((_, _) => (404, "{}"));
        var model = new EndpointEvaluationModel(new EndpointClient(stub.Address, null, TimeSpan.FromSeconds(10)), "m", 256);
        await stub.DisposeAsync();
        var task = TaskConfig.Load(TaskFixtures.Gsm8k(TaskFixtures.Folder()));
        var error = Assert.Throws<SharpLMException>(() => TaskEvaluator.Evaluate(task, model, concurrency: 2));
        Assert.StartsWith($"cannot reach the endpoint {stub.Address}", error.Message);
    }

    /// <summary>An HTTP server answering from a function, recording each request and the most requests it held at once.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private readonly List<(string Path, string Body)> _bodies = [];
        private int _inFlight, _most;

        public ScriptedServer(Func<string, string, (int Status, string Body)> answer, TimeSpan delay = default)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Address = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            probe.Stop();
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
                        int now = Interlocked.Increment(ref _inFlight);
                        lock (_bodies) _most = Math.Max(_most, now);
                        try
                        {
                            string path = context.Request.Url!.AbsolutePath;
                            string body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
                            lock (_bodies) _bodies.Add((path, body));
                            if (delay > TimeSpan.Zero && path.StartsWith("/v1/", StringComparison.Ordinal)) await Task.Delay(delay); // /tokenize answers at once
                            var (status, text) = answer(path, body);
                            context.Response.StatusCode = status;
                            await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text));
                            Interlocked.Decrement(ref _inFlight);
                            context.Response.Close();
                        }
                        catch (Exception) { Interlocked.Decrement(ref _inFlight); }
                    });
                }
            });
        }

        public string Address { get; }

        public int MostInFlight { get { lock (_bodies) return _most; } }

        public IReadOnlyList<(string Path, string Body)> Bodies { get { lock (_bodies) return [.. _bodies]; } }

        public async ValueTask DisposeAsync()
        {
            _listener.Close();
            await _loop;
        }
    }
}
