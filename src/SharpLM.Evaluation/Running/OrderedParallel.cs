using System.Runtime.ExceptionServices;

namespace SharpLM.Evaluation.Running;

/// <summary>
/// Maps items on up to N threads (each waiting on its own blocking request), returning results in the items' order.
/// The first failure stops the others from starting new items and is rethrown as it was.
/// </summary>
public static class OrderedParallel
{
    public static List<TOut> Map<TIn, TOut>(IReadOnlyList<TIn> items, int concurrency, Func<TIn, TOut> map, Action<int>? done = null)
    {
        var results = new TOut[items.Count];
        if (concurrency <= 1 || items.Count <= 1)
        {
            for (int i = 0; i < items.Count; i++)
            {
                results[i] = map(items[i]);
                done?.Invoke(i + 1);
            }
            return [.. results];
        }
        int next = -1, finished = 0;
        ExceptionDispatchInfo? failure = null;
        var gate = new object();
        var workers = Enumerable.Range(0, Math.Min(concurrency, items.Count)).Select(_ => new Thread(() =>
        {
            int i;
            while (Volatile.Read(ref failure) is null && (i = Interlocked.Increment(ref next)) < items.Count)
            {
                try
                {
                    results[i] = map(items[i]);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    return;
                }
                lock (gate) done?.Invoke(++finished); // callers draw progress, which is not thread-safe
            }
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        failure?.Throw();
        return [.. results];
    }
}
