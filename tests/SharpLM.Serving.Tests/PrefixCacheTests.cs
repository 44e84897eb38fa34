using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving.Tests;

/// <summary>
/// The shared prefix block cache inside the real scheduler and engine: greedy output with it equals greedy output
/// without it, whatever the family, budget or hash, and hits come in whole blocks.
/// </summary>
public class PrefixCacheTests
{
    private const int Block = PrefixBlockCache.DefaultBlockSize;

    private static readonly Lazy<string> LlamaModel = new(() => ServerFixture.CreateModel(
        LlamaConfig.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 48, maxPositions: 256)));
    private static readonly Lazy<string> Gpt2Model = new(() => ServerFixture.CreateModel(
        Gpt2Config.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, embedding: 32, layers: 2, heads: 4, positions: 256)));

    private static string Model(string family) => family == "gpt2" ? Gpt2Model.Value : LlamaModel.Value;

    /// <summary>Prompts that share a system prefix of <paramref name="shared"/> tokens, then differ.</summary>
    private static List<int[]> SharedPrefixPrompts(int count, int shared, int seed)
    {
        var random = new Random(seed);
        int vocabulary = ServerFixture.Tokenizer.VocabularySize;
        var prefix = Enumerable.Range(0, shared).Select(_ => random.Next(vocabulary)).ToArray();
        return Enumerable.Range(0, count).Select(_ => prefix.Concat(Enumerable.Range(0, 5 + random.Next(20)).Select(_ => random.Next(vocabulary))).ToArray()).ToList();
    }

    private sealed record Outcome(int[] Tokens, int CachedPromptTokens);

    /// <summary>Runs the prompts greedily, all submitted at once (so they run concurrently on the slots), in <paramref name="waves"/> rounds.</summary>
    private static List<Outcome> Run(string model, PrefixBlockCache? cache, IReadOnlyList<int[]> prompts, int slots = 3, int waves = 1)
    {
        var served = ServedModel.Load(model, slots, threads: 1);
        using var scheduler = new Scheduler(served.Backend, served.Tokenizer, new ServerMetrics("test"), queueCapacity: 64, prefillChunk: 16, cache);
        var outcomes = new List<Outcome>();
        foreach (var wave in prompts.Chunk((prompts.Count + waves - 1) / waves))
        {
            var jobs = wave.Select(p => new GenerationJob(p, [new SamplingOptions { Temperature = 0, MaxNewTokens = 6, StopAtEndOfText = false }])).ToList();
            foreach (var job in jobs) Assert.True(scheduler.TrySubmit(job));
            foreach (var job in jobs)
            {
                var tokens = new List<int>();
                foreach (var update in job.Updates.ReadAllAsync().ToBlockingEnumerable()) tokens.AddRange(update.Tokens);
                outcomes.Add(new Outcome(tokens.ToArray(), job.CachedPromptTokens));
            }
        }
        return outcomes;
    }

    private static PrefixBlockCache Cache(string model, long budgetBytes, PrefixBlockCache.BlockHash? hash = null)
    {
        var backend = ServedModel.Load(model, 1, threads: 1).Backend;
        return new PrefixBlockCache(Block, budgetBytes, backend.KvFloatsPerPosition, hash);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Greedy_output_with_shared_blocks_equals_output_without(string family)
    {
        var prompts = SharedPrefixPrompts(9, shared: 50, seed: 1);
        var without = Run(Model(family), null, prompts, waves: 3);
        var cache = Cache(Model(family), 64L << 20);
        var with = Run(Model(family), cache, prompts, waves: 3);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(without[i].Tokens, with[i].Tokens);
        // After the first wave the shared 50 tokens are cached as three whole blocks.
        Assert.True(with.Skip(3).All(o => o.CachedPromptTokens >= 3 * Block), string.Join(",", with.Select(o => o.CachedPromptTokens)));
        Assert.True(cache.Count >= 3);
    }

    [Fact]
    public void A_prompt_that_no_slot_holds_is_served_from_whole_blocks()
    {
        var random = new Random(2);
        int vocabulary = ServerFixture.Tokenizer.VocabularySize;
        int[] Random(int n) => Enumerable.Range(0, n).Select(_ => random.Next(vocabulary)).ToArray();
        int[] system = Random(40), other = Random(40);
        int[] first = [.. system, .. Random(7)], unrelated = [1, .. other], second = [.. system, .. Random(9)];
        // One slot: the unrelated prompt replaces the first in it, so only the shared blocks can serve the second.
        var cache = Cache(LlamaModel.Value, 64L << 20);
        var with = Run(LlamaModel.Value, cache, [first, unrelated, second], slots: 1, waves: 3);
        Assert.Equal(2 * Block, with[2].CachedPromptTokens); // 40 shared tokens: two whole blocks
        Assert.Equal(0, with[1].CachedPromptTokens);
        var without = Run(LlamaModel.Value, null, [first, unrelated, second], slots: 1, waves: 3);
        Assert.Equal(0, without[2].CachedPromptTokens);
        Assert.Equal(without[2].Tokens, with[2].Tokens);
    }

    [Fact]
    public void Eviction_under_a_tiny_budget_keeps_output_correct()
    {
        var cache = Cache(LlamaModel.Value, 0);
        long blockBytes = cache.BlockBytes;
        var tiny = Cache(LlamaModel.Value, 3 * blockBytes); // three blocks for prompts of two to four blocks each
        Assert.Equal(3, tiny.Capacity);
        var prompts = SharedPrefixPrompts(4, 40, seed: 3).Concat(SharedPrefixPrompts(4, 60, seed: 4)).Concat(SharedPrefixPrompts(4, 40, seed: 3)).ToList();
        var with = Run(LlamaModel.Value, tiny, prompts, slots: 2, waves: 6);
        var without = Run(LlamaModel.Value, null, prompts, slots: 2, waves: 6);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(without[i].Tokens, with[i].Tokens);
        Assert.True(tiny.Count <= 3);
        Assert.Equal(0, cache.Capacity); // a budget under one block holds nothing
    }

    [Fact]
    public void A_hash_collision_is_a_miss_not_wrong_keys_and_values()
    {
        // Every block at the same depth gets the same key, whatever its tokens: only the comparison tells them apart.
        PrefixBlockCache.BlockHash colliding = (parent, _) => parent + 1;
        var prompts = SharedPrefixPrompts(3, 40, seed: 5).Concat(SharedPrefixPrompts(3, 40, seed: 6)).ToList();
        var cache = Cache(LlamaModel.Value, 64L << 20, colliding);
        var with = Run(LlamaModel.Value, cache, prompts, slots: 1, waves: 6);
        var without = Run(LlamaModel.Value, null, prompts, slots: 1, waves: 6);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(without[i].Tokens, with[i].Tokens);
        // The second family's first prompt finds the first family's blocks under its keys; the tokens differ, so nothing is taken.
        Assert.Equal(0, with[3].CachedPromptTokens);
        Assert.Empty(cache.Acquire(prompts[5], prompts[5].Length - 1)); // nor were its blocks published over the first family's
        Assert.True(cache.Acquire(prompts[0], prompts[0].Length - 1).Count >= 2);
    }

    [Fact]
    public void Blocks_are_found_by_content_and_referenced_while_used()
    {
        var cache = new PrefixBlockCache(4, 1 << 20, floatsPerPosition: 2);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        // Each position's run is its token twice, so a block read back shows where it came from.
        PrefixBlockCache.ReadKv read = (start, count, destination) =>
        {
            for (int i = 0; i < count * 2; i++) destination[i] = tokens[start + i / 2];
        };
        cache.Publish(tokens, read);
        Assert.Equal(2, cache.Count); // two full blocks of four; the last two tokens are not a block
        var run = cache.Acquire([1, 2, 3, 4, 5, 6, 7, 8, 42], limit: 8);
        Assert.Equal(2, run.Count);
        Assert.Equal([5f, 5, 6, 6, 7, 7, 8, 8], run[1].Kv);
        Assert.Single(cache.Acquire([1, 2, 3, 4, 5, 6, 7, 8], limit: 7)); // the limit keeps the last token to run again
        Assert.Empty(cache.Acquire([2, 2, 3, 4, 5, 6, 7, 8], limit: 8));
        Assert.Single(cache.Acquire([1, 2, 3, 4, 5, 6, 7, 0], limit: 8)); // a differing later block ends the run
        Assert.Equal(PrefixBlockCache.Sha256Hash(0, [1, 2, 3, 4]), run[0].Hash);
        Assert.NotEqual(PrefixBlockCache.Sha256Hash(1, [1, 2, 3, 4]), run[0].Hash); // the parent is part of the key
    }

    [Fact]
    public void Referenced_blocks_are_never_evicted_and_runs_are_evicted_from_their_end()
    {
        float[] ones = Enumerable.Repeat(1f, 8).ToArray();
        var cache = new PrefixBlockCache(2, 3 * (2 * 2 * sizeof(float) + 2 * sizeof(int)), floatsPerPosition: 2);
        Assert.Equal(3, cache.Capacity);
        PrefixBlockCache.ReadKv read = (_, count, destination) => ones.AsSpan(0, count * 2).CopyTo(destination);
        cache.Publish([1, 1, 2, 2, 3, 3], read);
        var held = cache.Acquire([1, 1, 2, 2, 3, 3, 0], limit: 6);
        Assert.Equal(3, held.Count);
        cache.Publish([7, 7, 8, 8], read); // every block is in use: nothing is evicted, nothing added
        Assert.Empty(cache.Acquire([7, 7, 8, 8, 0], limit: 4));
        cache.Release(held);
        cache.Publish([7, 7], read); // evicts the end of the idle run first
        Assert.Equal(2, cache.Acquire([1, 1, 2, 2, 3, 3, 0], limit: 6).Count);
        Assert.Single(cache.Acquire([7, 7, 0], limit: 2));
    }

    [Fact]
    public async Task Responses_report_cached_tokens_in_whole_blocks_over_http()
    {
        await using var server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = LlamaModel.Value, ModelId = "tiny", Port = 0, Parallel = 1, Threads = 1 },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        var random = new Random(7);
        int vocabulary = ServerFixture.Tokenizer.VocabularySize;
        int[] Random(int n) => Enumerable.Range(0, n).Select(_ => random.Next(vocabulary)).ToArray();
        int[] system = Random(40);
        async Task<JsonElement> Complete(int[] prompt, bool stream)
        {
            string body = JsonSerializer.Serialize(new { prompt, max_tokens = 3, temperature = 0, stream, stream_options = stream ? new { include_usage = true } : null });
            var response = await client.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            // Streamed: the usage rides on the last chunk before [DONE].
            string json = stream ? text.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Last()["data: ".Length..] : text;
            return JsonDocument.Parse(json).RootElement.GetProperty("usage").Clone();
        }
        static int Cached(JsonElement usage) => usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();

        Assert.Equal(0, Cached(await Complete([.. system, .. Random(7)], stream: false)));
        Assert.Equal(0, Cached(await Complete([system[0] + 1, .. Random(40)], stream: false))); // replaces the first prompt in the one slot
        var usage = await Complete([.. system, .. Random(9)], stream: true);
        Assert.Equal(49, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2 * Block, Cached(usage)); // the 40 shared tokens hold two whole blocks

        // Chat: a long system message shared by two conversations, another between them in the one slot.
        string Chat(string user, string system) => JsonSerializer.Serialize(new
        {
            messages = new object[] { new { role = "system", content = system }, new { role = "user", content = user } }, max_tokens = 2, temperature = 0,
        });
        const string Sailor = "You are a sailor on a ship at sea; the whale watches the deck, the mast and the harpoon in the storm and the calm.";
        async Task<JsonElement> Talk(string body)
        {
            var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").Clone();
        }
        await Talk(Chat("the whale", Sailor));
        int between = Cached(await Talk(Chat("calm", "Ahab"))); // the template's first tokens, from the slot itself
        var chatUsage = await Talk(Chat("the storm", Sailor));
        int chatCached = Cached(chatUsage);
        Assert.True(chatCached >= Block && chatCached % Block == 0, $"cached_tokens {chatCached}");

        string metrics = await client.GetStringAsync("/metrics");
        double Metric(string name) => double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + "{", StringComparison.Ordinal)).Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(2 * Block + between + chatCached, Metric("sharplm_prefix_cache_hits"));
        Assert.True(Metric("sharplm_prefix_cache_queries") >= 47 + 41 + 49 + (double)chatUsage.GetProperty("prompt_tokens").GetInt32());
        Assert.InRange(Metric("sharplm_prefix_cache_usage_perc"), 1e-6, 1);
    }
}
