using Microsoft.Extensions.AI;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Clients;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving.Tests;

/// <summary>
/// A job ends when whoever submitted it lets go of it, not only when a cancellation token fires: a reader that stops
/// for any reason must not leave its choices generating to their budget. The model never ends its turn and has a
/// 32,768-token context, so only the cancellation can have ended these jobs within the tests' waits.
/// </summary>
public class JobEndingTests
{
    private static readonly Lazy<string> Endless = new(ServerFixture.CreateEndlessModel);

    private static async Task WaitForFreeSlots(Scheduler scheduler)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (scheduler.BusySlots > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, scheduler.BusySlots);
    }

    [Fact]
    public async Task A_disposed_job_ends_and_frees_its_slot_though_its_callers_token_never_fires()
    {
        var served = ServedModel.Load(Endless.Value, slots: 1, threads: 1);
        using var scheduler = new Scheduler(served.Backend, served.Tokenizer, new ServerMetrics("test"), queueCapacity: 4);
        using var caller = new CancellationTokenSource();
        var job = new GenerationJob([1, 2, 3], [new SamplingOptions { Temperature = 0, MaxNewTokens = 30000 }], cancellation: caller.Token);
        Assert.True(scheduler.TrySubmit(job));
        Assert.True(await job.Updates.WaitToReadAsync());
        Assert.Equal(1, scheduler.BusySlots);

        job.Dispose();

        await WaitForFreeSlots(scheduler);
        Assert.False(caller.IsCancellationRequested);
        // The job was cut short, not finished: its updates end with the cancellation.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { await foreach (var _ in job.Updates.ReadAllAsync()) { } });
        using var next = new GenerationJob([4, 5], [new SamplingOptions { Temperature = 0, MaxNewTokens = 3 }]);
        Assert.True(scheduler.TrySubmit(next));
        Assert.Equal(3, (await next.Updates.ReadAllAsync().ToListAsync()).Sum(u => u.Tokens.Count));
    }

    [Fact]
    public async Task A_streaming_chat_client_caller_that_stops_reading_frees_its_slot()
    {
        var served = ServedModel.Load(Endless.Value, slots: 1, threads: 1);
        using var scheduler = new Scheduler(served.Backend, served.Tokenizer, new ServerMetrics("test"), queueCapacity: 4);
        using var client = new SharpLMChatClient(served, scheduler);
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "the whale")], new ChatOptions { Temperature = 0 }))
        {
            Assert.NotEmpty(update.Text);
            Assert.Equal(1, scheduler.BusySlots);
            break;
        }
        await WaitForFreeSlots(scheduler);
    }
}
