using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpLM.Core;

namespace SharpLM.Cli.Stages;

/// <summary>
/// llama.cpp's llama-server as a child process on a free loopback port, for `bench serve --llama-server`: started on a
/// GGUF file with the given slots, context per slot and threads, ready once /health answers 200, killed on dispose.
/// </summary>
public sealed class LlamaServerProcess : IDisposable
{
    private readonly Process _process;

    public Uri Address { get; }

    private LlamaServerProcess(Process process, Uri address) => (_process, Address) = (process, address);

    public static LlamaServerProcess Start(string path, string gguf, int slots, int contextPerSlot, int threads)
    {
        LlamaCppBinary.Require(path, "--llama-server");
        int port = FreePort();
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        // llama-server divides --ctx-size among its slots: each gets what a request of the benchmark needs.
        foreach (string argument in new[] { "-m", gguf, "--host", "127.0.0.1", "--port", Text(port), "-np", Text(slots), "-c", Text(slots * contextPerSlot), "-t", Text(threads) })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new SharpLMException($"--llama-server: '{path}' could not be started.");
        // Its log is not the benchmark's output, but must be drained so that the child never blocks on a full pipe.
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LlamaServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            server.WaitUntilReady(TimeSpan.FromMinutes(2), log);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    private void WaitUntilReady(TimeSpan limit, System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (_process.HasExited)
                throw new SharpLMException($"--llama-server exited with {_process.ExitCode} before it was ready: {log.LastOrDefault() ?? "no output"}");
            try
            {
                if (client.GetAsync("/health").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Loading the model.
            }
            Thread.Sleep(200);
        }
        throw new SharpLMException($"--llama-server was not ready after {limit.TotalSeconds:F0} s: {log.LastOrDefault() ?? "no output"}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
