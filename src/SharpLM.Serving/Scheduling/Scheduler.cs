using System.Diagnostics;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Telemetry;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Serving.Scheduling;

/// <summary>
/// Continuous batching over a fixed set of slots, on one thread that owns the model. Each iteration: admit waiting
/// jobs into free slots (the slot whose cache shares the longest prefix with the prompt is reused, so a repeated
/// system prompt or conversation is not computed again), free the slots of cancelled jobs, prefill at most one
/// chunk of prompt (so a long prompt never stalls the streams already running), then run one decode step for every
/// slot that is generating. Jobs join and leave at every step. Every choice is a <see cref="GenerationSequence"/>:
/// the server stops, streams and reports exactly as <c>generate</c> does.
/// </summary>
public sealed class Scheduler : IDisposable
{
    private sealed class Running(GenerationJob job, int choice, int slot, GenerationSequence sequence, System.Text.StringBuilder text)
    {
        public GenerationJob Job { get; } = job;
        public int Choice { get; } = choice;
        public int Slot { get; } = slot;
        public GenerationSequence Sequence { get; } = sequence;
        public int Fed { get; set; }                 // tokens of the context in the slot's cache
        public bool Decoding { get; set; }           // the prompt is in the cache; logits row is current
        public System.Text.StringBuilder Text { get; } = text; // streamed by the sequence, not yet published
        public int ReportedTokens { get; set; }
        /// <summary>Each prompt token's log-probability given those before it (null for the first), when the job asked.</summary>
        public List<TokenLogProbabilities?>? PromptLogProbabilities { get; set; }
        public bool PromptReported { get; set; }
        /// <summary>The shared prefix blocks this choice started from, referenced until it ends.</summary>
        public IReadOnlyList<PrefixBlock> Blocks { get; set; } = [];
    }

    private readonly ISlotBackend _backend;
    private readonly BpeTokenizer _tokenizer;
    private readonly ServerMetrics _metrics;
    private readonly PrefixBlockCache? _prefixCache;
    private readonly int _queueCapacity, _prefillChunk;
    private readonly object _gate = new();
    private readonly Queue<GenerationJob> _waiting = new();
    private readonly List<Running> _running = new();
    private readonly Running?[] _slotOwner;
    private readonly List<int>[] _cached;             // the tokens in each slot's KV cache
    private readonly float[] _logits, _stepLogits;    // [slot, vocabulary]; [step row, vocabulary]
    private float[] _promptLogits = [];                // [prefill row, vocabulary], when a prompt is scored
    private readonly Thread _thread;
    private volatile bool _stopping;

    public Scheduler(ISlotBackend backend, BpeTokenizer tokenizer, ServerMetrics metrics, int queueCapacity, int prefillChunk = 64, long prefixCacheBytes = 0)
        : this(backend, tokenizer, metrics, queueCapacity, prefillChunk,
            prefixCacheBytes > 0 && backend.KvFloatsPerPosition > 0 ? new PrefixBlockCache(PrefixBlockCache.DefaultBlockSize, prefixCacheBytes, backend.KvFloatsPerPosition) : null)
    {
    }

    /// <param name="prefixCache">Blocks shared by every slot (null: each slot reuses only its own cache).</param>
    internal Scheduler(ISlotBackend backend, BpeTokenizer tokenizer, ServerMetrics metrics, int queueCapacity, int prefillChunk, PrefixBlockCache? prefixCache)
    {
        _prefixCache = prefixCache;
        _backend = backend;
        _tokenizer = tokenizer;
        _metrics = metrics;
        _queueCapacity = queueCapacity;
        _prefillChunk = prefillChunk;
        _slotOwner = new Running?[backend.Slots];
        _cached = Enumerable.Range(0, backend.Slots).Select(_ => new List<int>()).ToArray();
        _logits = new float[backend.Slots * backend.VocabularySize];
        _stepLogits = new float[backend.Slots * backend.VocabularySize];
        _thread = new Thread(Loop) { IsBackground = true, Name = "sharplm-scheduler" };
        _thread.Start();
    }

    public int Slots => _backend.Slots;
    public int MaxContext => _backend.MaxPositions;

    /// <summary>Slots holding a running sequence (the rest are free).</summary>
    public int BusySlots { get { lock (_gate) return _slotOwner.Count(o => o is not null); } }

    /// <summary>Queues a job; false when the queue is full (the caller answers 503).</summary>
    public bool TrySubmit(GenerationJob job)
    {
        if (job.Choices.Count > _backend.Slots) throw new ArgumentException($"n is {job.Choices.Count}, more than the server's {_backend.Slots} slots.");
        lock (_gate)
        {
            // After Dispose no loop is left to run the job: queueing it would leave its caller waiting forever.
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_waiting.Count >= _queueCapacity) return false;
            _waiting.Enqueue(job);
            _metrics.RequestsWaiting.Set(_waiting.Count);
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    private void Loop()
    {
        while (!_stopping)
        {
            lock (_gate)
            {
                while (!_stopping && _running.Count == 0 && _waiting.Count == 0) Monitor.Wait(_gate);
                if (_stopping) break;
                Admit();
            }
            try
            {
                Iterate();
            }
            catch (Exception e)
            {
                // A defect must not take the server down: fail what is running, keep serving.
                foreach (var job in _running.Select(r => r.Job).Distinct().ToList()) Fail(job, e);
            }
        }
        lock (_gate)
        {
            foreach (var job in _running.Select(r => r.Job).Concat(_waiting).Distinct().ToList())
                Fail(job, new OperationCanceledException("the server is shutting down."));
        }
    }

    /// <summary>Moves waiting jobs into free slots, oldest first, while a whole job (all its choices) fits.</summary>
    private void Admit()
    {
        while (_waiting.Count > 0)
        {
            var job = _waiting.Peek();
            if (job.Cancellation.IsCancellationRequested)
            {
                _waiting.Dequeue();
                job.Complete(new OperationCanceledException());
                continue;
            }
            var free = Enumerable.Range(0, _slotOwner.Length).Where(s => _slotOwner[s] is null).ToList();
            if (free.Count < job.Choices.Count) break;
            _waiting.Dequeue();
            job.AdmittedTicks = Stopwatch.GetTimestamp();
            _metrics.QueueTime.Observe(Stopwatch.GetElapsedTime(job.ArrivalTicks).TotalSeconds);
            try
            {
                Place(job, free);
            }
            catch (Exception e)
            {
                // A job the core refuses (its options or prompt) fails alone; the loop, and every other job, go on.
                Fail(job, e);
            }
        }
        _metrics.RequestsWaiting.Set(_waiting.Count);
        _metrics.RequestsRunning.Set(_running.Select(r => r.Job).Distinct().Count());
    }

    /// <summary>Starts each choice of an admitted job in the free slot that shares the most of its prompt.</summary>
    private void Place(GenerationJob job, List<int> free)
    {
        job.Unfinished = job.Choices.Count;
        for (int c = 0; c < job.Choices.Count; c++)
        {
            var text = new System.Text.StringBuilder();
            var sequence = new GenerationSequence(_tokenizer, job.Prompt, job.Choices[c], _backend.MaxPositions, job.StopTokens,
                job.NewConstraint?.Invoke(), piece => text.Append(piece));
            var context = sequence.Context;
            var (slot, shared) = BestSlot(free, context);
            if (job.PromptLogProbabilities is not null) shared = 0; // every prompt position's logits are needed
            free.Remove(slot);
            var running = new Running(job, c, slot, sequence, text);
            _backend.Truncate(slot, shared);
            _cached[slot].RemoveRange(shared, _cached[slot].Count - shared);
            if (_prefixCache is { } cache && job.PromptLogProbabilities is null)
            {
                // The last context token always runs again, for its logits.
                running.Blocks = cache.Acquire(context, context.Count - 1);
                int fromBlocks = running.Blocks.Count * cache.BlockSize;
                if (fromBlocks > shared)
                {
                    // The slot keeps what it already shares; the blocks after that are copied in.
                    for (int b = shared / cache.BlockSize; b < running.Blocks.Count; b++)
                        _backend.WriteKv(slot, b * cache.BlockSize, cache.BlockSize, running.Blocks[b].Kv);
                    for (int i = shared; i < fromBlocks; i++) _cached[slot].Add(context[i]);
                    shared = fromBlocks;
                }
            }
            running.Fed = shared;
            _slotOwner[slot] = running;
            _running.Add(running);
            job.CachedPromptTokens = Math.Max(job.CachedPromptTokens, shared);
            _metrics.PrefixCacheQueries.Inc(sequence.Context.Count);
            _metrics.PrefixCacheHits.Inc(shared);
            if (c == 0) _metrics.PromptTokens.Inc(sequence.Context.Count);
            if (job.PromptLogProbabilities is not null) running.PromptLogProbabilities = [null];
        }
    }

    /// <summary>The free slot whose cache shares the longest prefix with the context, and that length (the last context token always runs again, for its logits).</summary>
    private (int Slot, int Shared) BestSlot(List<int> free, IReadOnlyList<int> context)
    {
        int best = free[0], bestShared = -1;
        foreach (int slot in free)
        {
            var cached = _cached[slot];
            int shared = 0, limit = Math.Min(cached.Count, context.Count - 1);
            while (shared < limit && cached[shared] == context[shared]) shared++;
            if (shared > bestShared) (best, bestShared) = (slot, shared);
        }
        return (best, bestShared);
    }

    private void Iterate()
    {
        foreach (var running in _running.Where(r => r.Job.Cancellation.IsCancellationRequested).ToList()) Release(running, cancelled: true);

        // Prefill: one chunk of one prompt per iteration, interleaved with the decode steps of the others.
        var prefilling = _running.FirstOrDefault(r => !r.Decoding);
        if (prefilling is not null)
        {
            try
            {
                PrefillChunk(prefilling);
            }
            catch (Exception e)
            {
                Fail(prefilling.Job, e); // see the decode loop below
            }
        }

        // Decode: every generating slot chooses its next token from its logits; those that go on run one step together.
        int vocab = _backend.VocabularySize;
        var goingOn = new List<Running>();
        foreach (var running in _running.Where(r => r.Decoding).ToList())
        {
            if (!_running.Contains(running)) continue; // another choice of its job failed this iteration
            // A failure in a choice's own work (its prompt chunk above; here its sampling, constraint and streaming)
            // ends its job alone, with that error, while every other job goes on. The batched decode step below is
            // shared, so a failure there still fails every running job (in Loop). No delegate: this runs per token.
            try
            {
                bool goesOn = running.Sequence.Step(_logits.AsSpan(running.Slot * vocab, vocab));
                Report(running);
                if (goesOn) goingOn.Add(running);
                else Finish(running);
            }
            catch (Exception e)
            {
                Fail(running.Job, e);
            }
        }
        goingOn.RemoveAll(r => !_running.Contains(r));
        var slots = goingOn.Select(r => r.Slot).ToList();
        var tokens = goingOn.Select(r => r.Sequence.Context[^1]).ToList();
        if (slots.Count > 0)
        {
            _backend.Step(slots.ToArray(), tokens.ToArray(), _stepLogits);
            for (int i = 0; i < slots.Count; i++)
            {
                _stepLogits.AsSpan(i * vocab, vocab).CopyTo(_logits.AsSpan(slots[i] * vocab, vocab));
                _cached[slots[i]].Add(tokens[i]);
                _slotOwner[slots[i]]!.Fed++;
            }
        }
        lock (_gate)
        {
            _metrics.RequestsRunning.Set(_running.Select(r => r.Job).Distinct().Count());
            _metrics.KvCacheUsage.Set(_running.Sum(r => (double)_cached[r.Slot].Count) / (_backend.Slots * (double)_backend.MaxPositions));
            if (_prefixCache is not null) _metrics.PrefixCacheUsage.Set(_prefixCache.Usage);
        }
    }

    private void PrefillChunk(Running running)
    {
        var context = running.Sequence.Context;
        int vocab = _backend.VocabularySize;
        int count = Math.Min(_prefillChunk, context.Count - running.Fed);
        var chunk = context.Skip(running.Fed).Take(count).ToArray();
        ReadOnlySpan<float> last;
        if (running.PromptLogProbabilities is { } scores)
        {
            if (_promptLogits.Length < count * vocab) _promptLogits = new float[_prefillChunk * vocab];
            _backend.Forward(running.Slot, chunk, _promptLogits);
            for (int i = 0; i < count; i++)
                if (running.Fed + i + 1 < context.Count)
                    scores.Add(TokenLogProbabilities.Compute(_promptLogits.AsSpan(i * vocab, vocab), context[running.Fed + i + 1], running.Job.PromptLogProbabilities!.Value));
            last = _promptLogits.AsSpan((count - 1) * vocab, vocab);
        }
        else last = _backend.Prefill(running.Slot, chunk);
        _cached[running.Slot].AddRange(chunk);
        running.Fed += count;
        if (running.Fed < context.Count) return;
        Publish(running.Slot); // the prompt's blocks serve the requests that share it while this one decodes
        if (running.Sequence.IsFinished)
        {
            Finish(running); // nothing to generate (a budget of 0, or a prompt that fills the context)
            return;
        }
        last.CopyTo(_logits.AsSpan(running.Slot * vocab, vocab));
        running.Decoding = true;
    }

    /// <summary>Publishes what a choice produced since its last update (text, tokens, log-probabilities).</summary>
    private void Report(Running running, FinishReason? finish = null)
    {
        var job = running.Job;
        var sequence = running.Sequence;
        int generated = sequence.Generated;
        if (generated > running.ReportedTokens)
        {
            long now = Stopwatch.GetTimestamp();
            if (job.FirstTokenTicks is null)
            {
                job.FirstTokenTicks = now;
                _metrics.TimeToFirstToken.Observe(Stopwatch.GetElapsedTime(job.ArrivalTicks, now).TotalSeconds);
            }
            else _metrics.InterTokenLatency.Observe(Stopwatch.GetElapsedTime(job.LastTokenTicks, now).TotalSeconds);
            job.LastTokenTicks = now;
            _metrics.GenerationTokens.Inc(generated - running.ReportedTokens);
        }
        bool promptDue = running.PromptLogProbabilities is not null && !running.PromptReported;
        if (generated == running.ReportedTokens && running.Text.Length == 0 && finish is null && !promptDue) return;
        var tokens = sequence.Context.Skip(sequence.PromptLength + running.ReportedTokens).ToArray();
        var logProbabilities = sequence.LogProbabilities?.Skip(running.ReportedTokens).ToArray() ?? [];
        running.ReportedTokens = generated;
        running.PromptReported = true;
        job.Publish(new ChoiceUpdate(running.Choice, running.Text.ToString(), tokens, logProbabilities, finish, promptDue ? running.PromptLogProbabilities : null));
        running.Text.Clear();
    }

    private void Finish(Running running)
    {
        var result = running.Sequence.Result(); // streams whatever the sequence still held back
        Report(running, result.Finish);
        Release(running, cancelled: false);
    }

    private void Release(Running running, bool cancelled)
    {
        lock (_gate)
        {
            _running.Remove(running);
            _slotOwner[running.Slot] = null;
        }
        _prefixCache?.Release(running.Blocks);
        Publish(running.Slot);
        var job = running.Job;
        if (cancelled)
        {
            Telemetry.RequestTracing.Record(job, "cancelled");
            job.Complete(new OperationCanceledException());
            return;
        }
        if (--job.Unfinished > 0) return;
        var finish = running.Sequence.Finish ?? FinishReason.Length;
        _metrics.RequestSuccess.WithLabels(finish == FinishReason.Stop ? "stop" : "length").Inc();
        _metrics.EndToEndLatency.Observe(Stopwatch.GetElapsedTime(job.ArrivalTicks).TotalSeconds);
        _metrics.RequestPromptTokens.Observe(job.Prompt.Count);
        _metrics.RequestGenerationTokens.Observe(running.Sequence.Generated);
        Telemetry.RequestTracing.Record(job, "finished");
        job.Complete();
    }

    private void Fail(GenerationJob job, Exception error)
    {
        foreach (var running in _running.Where(r => r.Job == job).ToList())
        {
            lock (_gate)
            {
                _running.Remove(running);
                _slotOwner[running.Slot] = null;
            }
            _prefixCache?.Release(running.Blocks);
            // The slot's cache may be inconsistent after a failure: forget it (and publish none of it).
            _backend.Truncate(running.Slot, 0);
            _cached[running.Slot].Clear();
        }
        Telemetry.RequestTracing.Record(job, "failed");
        job.Complete(error);
    }

    /// <summary>Offers the full blocks of a slot's cache to the shared prefix cache.</summary>
    private void Publish(int slot)
    {
        _prefixCache?.Publish(_cached[slot], (start, count, destination) => _backend.ReadKv(slot, start, count, destination));
    }

    public void Dispose()
    {
        _stopping = true;
        lock (_gate) Monitor.PulseAll(_gate);
        _thread.Join();
    }
}
