using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.AI;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Judges;
using SharpLM.Safety.Transforms;

namespace SharpLM.Safety.Running;

/// <summary>
/// Sends every probe under every transform, and every benign twin plainly, to the model under test through
/// <see cref="IChatClient"/> (in-process engine or any OpenAI-compatible endpoint — the caller decides), several
/// conversations at a time; judges each last answer with every judge and logs the attempt as it finishes.
/// Attempts already in the log are not sent again, so a stopped run resumes.
/// </summary>
public sealed class RedTeamRunner(IChatClient client, IReadOnlyList<IResponseJudge> judges, IResponseJudge primary, RedTeamOptions options)
{
    private sealed record Job(Probe Probe, IAttackTransform Transform, bool Benign);

    /// <param name="progress">Called with (attempts finished, attempts in the run) after each attempt.</param>
    /// <returns>Every attempt of the run, logged earlier or now, in catalogue order.</returns>
    public async Task<IReadOnlyList<AttemptRecord>> RunAsync(IReadOnlyList<Probe> probes, IReadOnlyList<IAttackTransform> transforms, string attemptsPath,
        Action<int, int>? progress = null, CancellationToken cancellation = default)
    {
        var benignTransform = transforms.FirstOrDefault(t => t.Name == options.BenignTransform)
            ?? new TemplateTransform(options.BenignTransform, null, ["{prompt}"], "benign transform");
        var jobs = probes.SelectMany(p => transforms.Select(t => new Job(p, t, false)).Append(new Job(p, benignTransform, true))).ToList();
        var (log, done) = AttemptLog.Open(attemptsPath);
        using (log)
        {
            var finished = new Dictionary<string, AttemptRecord>();
            foreach (var record in done) finished[record.Key] = record;
            var wanted = jobs.Select(Key).ToHashSet();
            int count = finished.Keys.Count(wanted.Contains);
            progress?.Invoke(count, jobs.Count);
            var gate = new Lock();
            await Parallel.ForEachAsync(jobs.Where(j => !finished.ContainsKey(Key(j))),
                new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellation },
                async (job, token) =>
                {
                    var record = await RunOneAsync(job, token);
                    log.Append(record);
                    int now;
                    lock (gate)
                    {
                        finished[record.Key] = record;
                        now = ++count;
                    }
                    progress?.Invoke(now, jobs.Count);
                });
            return jobs.Select(j => finished[Key(j)]).ToList();
        }
    }

    private static string Key(Job job) => AttemptRecord.AttemptKey(job.Probe.Id, job.Transform.Name, job.Benign);

    private async Task<AttemptRecord> RunOneAsync(Job job, CancellationToken cancellation)
    {
        long seed = StableSeed(options.Seed, Key(job));
        var attack = job.Transform.Apply(job.Benign ? job.Probe.Benign : job.Probe.Prompt, new Random((int)(seed & int.MaxValue)));
        var conversation = new List<ChatMessage>();
        if (attack.System is not null) conversation.Add(new ChatMessage(ChatRole.System, attack.System));
        var responses = new List<string>();
        var chat = new ChatOptions { Temperature = options.Temperature, MaxOutputTokens = options.MaxOutputTokens, Seed = seed };
        foreach (string turn in attack.Turns)
        {
            conversation.Add(new ChatMessage(ChatRole.User, turn));
            var response = await client.GetResponseAsync(conversation, chat, cancellation);
            responses.Add(response.Text);
            conversation.Add(new ChatMessage(ChatRole.Assistant, response.Text));
        }
        string answer = responses[^1], asked = attack.Turns[^1];
        var verdicts = judges.ToDictionary(j => j.Detector, j => j.Judge(asked, answer));
        bool? leaked = attack.Canary is null ? null : answer.Contains(attack.Canary, StringComparison.OrdinalIgnoreCase);
        bool refused = judges.OfType<RefusalStringJudge>().Any(j => j.IsRefusal(answer));
        bool hit = !job.Benign && (verdicts[primary.Detector].Hit || leaked == true);
        return new AttemptRecord(job.Probe.Id, job.Probe.Category, job.Transform.Name, job.Benign, attack.System, attack.Turns, responses, verdicts, leaked, hit, refused);
    }

    /// <summary>A seed per attempt that depends on neither the order nor the thread attempts run in.</summary>
    internal static long StableSeed(long seed, string key) =>
        (long)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key), seed) & long.MaxValue);
}
