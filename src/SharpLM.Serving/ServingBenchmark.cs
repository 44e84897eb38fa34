using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SharpLM.Serving;

/// <summary>
/// What one load level measured: streams at once, requests finished, tokens generated, time to first token, and the
/// inter-token latency (the gap between successive streamed chunks of one request).
/// </summary>
public sealed record ServingLoad(int Streams, int Requests, long GeneratedTokens, double Seconds, double P50TimeToFirstToken, double P95TimeToFirstToken,
    double P50InterToken, double P95InterToken)
{
    public double TokensPerSecond => GeneratedTokens / Seconds;
}

/// <summary>Time to first token of requests that share a system prompt, on a server with the shared prefix cache and one without.</summary>
public sealed record SharedPrefixLoad(int PrefixTokens, int Requests, double P50On, double P95On, double MeanCachedOn, double P50Off, double P95Off, double MeanCachedOff);

/// <summary>
/// Load on a running server over real HTTP: <c>streams</c> clients each send streaming /v1/completions requests one
/// after another (random prompts, so no prefix is shared; ignore_eos, so every request generates its full budget)
/// and time the first token, each token after it, and the whole run. A measurement, not a test: `sharplm bench serve` reports it.
/// </summary>
public static class ServingBenchmark
{
    private sealed record Streamed(double FirstToken, long Tokens, int CachedTokens, List<double> Gaps);

    public static async Task<ServingLoad> MeasureAsync(Uri address, string? apiKey, int vocabulary, int streams, int requestsPerStream,
        int promptTokens, int maxTokens, int seed)
    {
        using var client = Client(address, apiKey);
        var firstTokens = new List<double>();
        var gaps = new List<double>();
        long generated = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async stream =>
        {
            var random = new Random(seed * 1000 + stream);
            for (int r = 0; r < requestsPerStream; r++)
            {
                var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(vocabulary)).ToArray();
                var result = await StreamOneAsync(client, prompt, maxTokens, random.Next());
                lock (firstTokens)
                {
                    firstTokens.Add(result.FirstToken);
                    gaps.AddRange(result.Gaps);
                }
                Interlocked.Add(ref generated, result.Tokens);
            }
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        firstTokens.Sort();
        gaps.Sort();
        return new ServingLoad(streams, firstTokens.Count, generated, seconds, Percentile(firstTokens, 0.5), Percentile(firstTokens, 0.95),
            Percentile(gaps, 0.5), Percentile(gaps, 0.95));
    }

    /// <summary>
    /// Requests of a shared <paramref name="prefixTokens"/>-token system prompt plus a short question of their own, sent
    /// to the two servers in turn. Before each, an unrelated prompt of the same length runs on the same server, as
    /// another user's would, so the slot's own cache holds nothing of the system prompt: with the shared cache off
    /// it is computed again; with it on it comes from the shared blocks.
    /// </summary>
    public static async Task<SharedPrefixLoad> MeasureSharedPrefixAsync(Uri withCache, Uri withoutCache, string? apiKey, int vocabulary, int prefixTokens,
        int requests, int maxTokens, int seed)
    {
        using var on = Client(withCache, apiKey);
        using var off = Client(withoutCache, apiKey);
        var random = new Random(seed);
        int[] Random(int n) => Enumerable.Range(0, n).Select(_ => random.Next(vocabulary)).ToArray();
        var system = Random(prefixTokens);
        var results = new Dictionary<HttpClient, List<Streamed>> { [on] = [], [off] = [] };
        for (int r = 0; r < requests; r++)
            foreach (var client in r % 2 == 0 ? new[] { on, off } : [off, on])
            {
                await StreamOneAsync(client, Random(prefixTokens + 16), 1, random.Next());
                results[client].Add(await StreamOneAsync(client, [.. system, .. Random(16)], maxTokens, random.Next()));
            }
        (double P50, double P95, double Cached) Summary(List<Streamed> streamed)
        {
            var firstTokens = streamed.Select(s => s.FirstToken).Order().ToList();
            return (Percentile(firstTokens, 0.5), Percentile(firstTokens, 0.95), streamed.Average(s => s.CachedTokens));
        }
        var (p50On, p95On, cachedOn) = Summary(results[on]);
        var (p50Off, p95Off, cachedOff) = Summary(results[off]);
        return new SharedPrefixLoad(prefixTokens, requests, p50On, p95On, cachedOn, p50Off, p95Off, cachedOff);
    }

    private static HttpClient Client(Uri address, string? apiKey)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    private static async Task<Streamed> StreamOneAsync(HttpClient client, int[] prompt, int maxTokens, int seed)
    {
        string body = JsonSerializer.Serialize(new
        {
            prompt, max_tokens = maxTokens, temperature = 0.8, seed, stream = true, ignore_eos = true, stream_options = new { include_usage = true },
        });
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        // A connection per request, on every server alike: llama-server drops a kept-alive connection after a streamed
        // response, which the next request on it would meet as a response ended before it began.
        request.Headers.ConnectionClose = true;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            throw new Core.SharpLMException($"the server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double? firstToken = null, lastToken = null;
        long tokens = 0;
        int cached = 0;
        var gaps = new List<double>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            var root = chunk.RootElement;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                tokens = usage.GetProperty("completion_tokens").GetInt64();
                cached = usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
            }
            else if (root.GetProperty("choices").GetArrayLength() > 0)
            {
                double now = clock.Elapsed.TotalSeconds;
                firstToken ??= now;
                if (lastToken is double last) gaps.Add(now - last);
                lastToken = now;
            }
        }
        return new Streamed(firstToken ?? clock.Elapsed.TotalSeconds, tokens, cached, gaps);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
