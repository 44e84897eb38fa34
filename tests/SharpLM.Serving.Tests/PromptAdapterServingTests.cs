using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving.Tests;

/// <summary>
/// A prompt-tuning adapter behind the server: the batch slots, chunked prefill and the shared prefix block cache
/// (whose runs are read and written after the virtual tokens) give the tokens a single engine session gives.
/// </summary>
public class PromptAdapterServingTests
{
    private const int VirtualTokens = 6;

    private static (string Model, string Adapter) Build()
    {
        var config = LlamaConfig.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: 2,
            intermediateSize: 48, maxPositions: 256);
        string model = ServerFixture.CreateModel(config);
        string adapter = Directory.CreateTempSubdirectory("sharplm-prompt-adapter-").FullName;
        var random = new Random(5);
        var values = Enumerable.Range(0, VirtualTokens * 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        PromptTuningAdapter.Write(adapter, new PromptTuningConfig { BaseModel = model, VirtualTokens = VirtualTokens, TokenDim = 32, AttentionHeads = 4, Layers = 2 },
            [SafetensorsTensor.FromFloat32(PromptTuningAdapter.TensorName, [VirtualTokens, 32], values)]);
        return (model, adapter);
    }

    private static int[] Greedy(IDecoderSession session, int[] prompt, int count)
    {
        var tokens = new List<int>();
        var logits = session.Prefill(prompt);
        for (int i = 0; i < count; i++)
        {
            int next = Argmax(logits);
            tokens.Add(next);
            if (i + 1 < count) logits = session.Forward(next);
        }
        return tokens.ToArray();
    }

    private static int Argmax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    [Fact]
    public void Served_greedy_tokens_with_a_prompt_adapter_equal_a_single_engine_session()
    {
        var (model, adapter) = Build();
        var random = new Random(2);
        int vocabulary = ServerFixture.Tokenizer.VocabularySize;
        var shared = Enumerable.Range(0, 40).Select(_ => random.Next(vocabulary)).ToArray();
        var prompts = Enumerable.Range(0, 6).Select(_ => shared.Concat(Enumerable.Range(0, 3 + random.Next(10)).Select(_ => random.Next(vocabulary))).ToArray()).ToList();
        var engine = EngineModel.Load(ModelFolder.Open(model), adapter);
        var expected = prompts.Select(p => Greedy(engine.NewSession(1), p, 6)).ToList();

        var served = ServedModel.Load(model, 2, threads: 1, adapter: adapter);
        Assert.Equal(256 - VirtualTokens, served.Backend.MaxPositions);
        var cache = new PrefixBlockCache(PrefixBlockCache.DefaultBlockSize, 16L << 20, served.Backend.KvFloatsPerPosition);
        using var scheduler = new Scheduler(served.Backend, served.Tokenizer, new ServerMetrics("test"), queueCapacity: 64, prefillChunk: 16, cache);
        var cached = new List<int>();
        foreach (var wave in prompts.Select((p, i) => (p, i)).Chunk(3))
        {
            var jobs = wave.Select(x => (x.i, Job: new GenerationJob(x.p, [new SamplingOptions { Temperature = 0, MaxNewTokens = 6, StopAtEndOfText = false }]))).ToList();
            foreach (var (_, job) in jobs) Assert.True(scheduler.TrySubmit(job));
            foreach (var (i, job) in jobs)
            {
                var tokens = new List<int>();
                foreach (var update in job.Updates.ReadAllAsync().ToBlockingEnumerable()) tokens.AddRange(update.Tokens);
                Assert.Equal(expected[i], tokens);
                cached.Add(job.CachedPromptTokens);
            }
        }
        Assert.True(cached.Skip(3).All(c => c >= PrefixBlockCache.DefaultBlockSize), string.Join(",", cached));
    }
}
