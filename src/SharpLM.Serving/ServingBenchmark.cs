using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SharpLM.Serving;

/// <summary>What one load level measured: streams at once, requests finished, tokens generated, and time to first token.</summary>
public sealed record ServingLoad(int Streams, int Requests, long GeneratedTokens, double Seconds, double P50TimeToFirstToken, double P95TimeToFirstToken)
{
    public double TokensPerSecond => GeneratedTokens / Seconds;
}

/// <summary>
/// Load on a running server over real HTTP: <c>streams</c> clients each send streaming /v1/completions requests one
/// after another (random prompts, so no prefix is shared; ignore_eos, so every request generates its full budget)
/// and time the first token and the whole run. A measurement, not a test: `sharplm bench serve` reports it.
/// </summary>
public static class ServingBenchmark
{
    public static async Task<ServingLoad> MeasureAsync(Uri address, string? apiKey, int vocabulary, int streams, int requestsPerStream,
        int promptTokens, int maxTokens, int seed)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var firstTokens = new List<double>();
        long generated = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async stream =>
        {
            var random = new Random(seed * 1000 + stream);
            for (int r = 0; r < requestsPerStream; r++)
            {
                var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(vocabulary)).ToArray();
                var (firstToken, tokens) = await StreamOneAsync(client, prompt, maxTokens, random.Next());
                lock (firstTokens) firstTokens.Add(firstToken);
                Interlocked.Add(ref generated, tokens);
            }
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        firstTokens.Sort();
        return new ServingLoad(streams, firstTokens.Count, generated, seconds, Percentile(firstTokens, 0.5), Percentile(firstTokens, 0.95));
    }

    private static async Task<(double FirstToken, long Tokens)> StreamOneAsync(HttpClient client, int[] prompt, int maxTokens, int seed)
    {
        string body = JsonSerializer.Serialize(new
        {
            prompt, max_tokens = maxTokens, temperature = 0.8, seed, stream = true, ignore_eos = true, stream_options = new { include_usage = true },
        });
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            throw new Core.SharpLMException($"the server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double? firstToken = null;
        long tokens = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            var root = chunk.RootElement;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                tokens = usage.GetProperty("completion_tokens").GetInt64();
            else if (firstToken is null && root.GetProperty("choices").GetArrayLength() > 0) firstToken = clock.Elapsed.TotalSeconds;
        }
        return (firstToken ?? clock.Elapsed.TotalSeconds, tokens);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
