using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SharpLM.Serving;

/// <summary>One sample of a soak: seconds since its start, the server's resident memory and its running requests.</summary>
public sealed record SoakSample(double Seconds, double ResidentMegabytes, double RunningRequests);

/// <summary>What a soak saw: requests by outcome, answers by status, and the server's state at the end.</summary>
public sealed record SoakResult(int Clients, double Minutes, long Requests, long Completed, long Disconnected, long SlowReaders,
    IReadOnlyDictionary<int, long> Statuses, long ServerErrors, long ClientErrors, double RunningAtEnd, double PeakResidentMegabytes,
    IReadOnlyList<SoakSample> Samples);

/// <summary>
/// Load and faults against a running server over real HTTP: <c>clients</c> loops, each sending /v1/completions requests
/// of random prompt lengths and budgets, most streamed, some abandoned mid-stream (the connection closes), some read
/// slowly; meanwhile the server's resident memory (from /proc) and running requests (from /metrics) are sampled every
/// second. After the clients stop, running requests must return to 0.
/// </summary>
public static class ServingSoak
{
    public static async Task<SoakResult> RunAsync(Uri address, string? apiKey, int vocabulary, int maxContext, int clients, TimeSpan duration,
        int? serverProcess, int seed, IProgress<SoakSample>? progress = null)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        long requests = 0, completed = 0, disconnected = 0, slow = 0, clientErrors = 0;
        var statuses = new Dictionary<int, long>();
        var samples = new List<SoakSample>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        using var clientsDone = new CancellationTokenSource(); // sampling goes on while the last requests drain

        async Task Client(int index)
        {
            var random = new Random(seed * 7919 + index);
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref requests);
                int promptTokens = 1 + random.Next(Math.Min(400, maxContext / 2));
                var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(vocabulary)).ToArray();
                int maxTokens = 1 + random.Next(64);
                bool stream = random.NextDouble() < 0.9;
                double fault = random.NextDouble();
                int? dropAfter = stream && fault < 0.15 ? random.Next(4) : null;         // closes the connection after this many chunks
                int readDelay = stream && fault is >= 0.15 and < 0.3 ? 20 + random.Next(180) : 0; // milliseconds between reads
                if (dropAfter is not null) Interlocked.Increment(ref disconnected);
                if (readDelay > 0) Interlocked.Increment(ref slow);
                try
                {
                    int status = await OneAsync(http, prompt, maxTokens, stream, random.Next(), dropAfter, readDelay);
                    lock (statuses) statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    if (status == 200 && dropAfter is null) Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    Interlocked.Increment(ref clientErrors); // the connection failed without an HTTP status
                }
            }
        }

        async Task Sample()
        {
            while (!clientsDone.IsCancellationRequested)
            {
                var sample = new SoakSample(clock.Elapsed.TotalSeconds, ResidentMegabytes(serverProcess), await RunningAsync(http));
                lock (samples) samples.Add(sample);
                progress?.Report(sample);
                try { await Task.Delay(1000, clientsDone.Token); } catch (OperationCanceledException) { }
            }
        }

        var sampling = Sample();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => Client(i))));
        clientsDone.Cancel();
        await sampling;
        // Abandoned streams free their slots at the scheduler's next step; give the last ones a moment.
        double running = await RunningAsync(http);
        for (int wait = 0; wait < 100 && running > 0; wait++)
        {
            await Task.Delay(100);
            running = await RunningAsync(http);
        }
        samples.Add(new SoakSample(clock.Elapsed.TotalSeconds, ResidentMegabytes(serverProcess), running));
        long serverErrors = statuses.Where(s => s.Key >= 500).Sum(s => s.Value);
        return new SoakResult(clients, duration.TotalMinutes, requests, completed, disconnected, slow, statuses, serverErrors, clientErrors, running,
            samples.Max(s => s.ResidentMegabytes), samples);
    }

    /// <summary>Sends one request and reads its answer as told; returns the HTTP status.</summary>
    private static async Task<int> OneAsync(HttpClient http, int[] prompt, int maxTokens, bool stream, int seed, int? dropAfter, int readDelay)
    {
        string body = JsonSerializer.Serialize(new { prompt, max_tokens = maxTokens, temperature = 0.8, seed, stream });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        int status = (int)response.StatusCode;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        int chunks = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            if (dropAfter is int drop && ++chunks > drop) break; // disposing the response closes the connection mid-stream
            if (readDelay > 0) await Task.Delay(readDelay);
        }
        return status;
    }

    private static async Task<double> RunningAsync(HttpClient http)
    {
        string metrics = await http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("sharplm_num_requests_running{", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>VmRSS of a process from /proc (this process when none is named), in MiB; NaN where /proc is not there.</summary>
    public static double ResidentMegabytes(int? process)
    {
        string path = $"/proc/{(process is int id ? id.ToString(CultureInfo.InvariantCulture) : "self")}/status";
        if (!File.Exists(path)) return double.NaN;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
