using SharpLM.Serving.Api;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving;

/// <summary>One served model with the scheduler that owns it.</summary>
public sealed record ModelEntry(ServedModel Model, Scheduler Scheduler, ServerMetrics Metrics);

/// <summary>
/// The models one server serves, each with its own slots and scheduler, and one metrics registry in which every
/// series is labelled with its model's name. A request goes to the model its "model" field names; without one it
/// goes to the first.
/// </summary>
public sealed class ServedModels : IDisposable
{
    private readonly List<ModelEntry> _entries;

    public IReadOnlyList<ModelEntry> Entries => _entries;
    public Prometheus.CollectorRegistry Registry { get; }
    public ModelEntry First => _entries[0];

    private ServedModels(List<ModelEntry> entries, Prometheus.CollectorRegistry registry)
    {
        _entries = entries;
        Registry = registry;
    }

    /// <summary>Loads the models in turn (the first is the default); <paramref name="loaded"/> hears of each.</summary>
    public static ServedModels Load(IReadOnlyList<ModelSource> sources, ServerOptions options, Action<ServedModel>? loaded = null)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var entries = new List<ModelEntry>();
        foreach (var source in sources)
        {
            var model = ServedModel.Load(source.Directory, options.Parallel, options.Threads, source.Id, source.Adapter);
            var metrics = new ServerMetrics(model.Id, registry);
            entries.Add(new ModelEntry(model, new Scheduler(model.Backend, model.Tokenizer, metrics, options.QueueCapacity,
                prefixCacheBytes: (long)options.PrefixCacheMegabytes << 20), metrics));
            loaded?.Invoke(model);
        }
        return new ServedModels(entries, registry);
    }

    /// <summary>Refuses two models under one name before anything loads.</summary>
    public static void RequireDistinctNames(IReadOnlyList<ModelSource> sources)
    {
        var twice = sources.GroupBy(s => s.ApiId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new Core.SharpLMException($"--model: two models would be named '{twice.Key}'; name them apart with --model NAME=DIR.");
    }

    /// <summary>The model a request's "model" field names (the first when it names none); 404 model_not_found otherwise.</summary>
    public ModelEntry Resolve(JsonFields? fields)
    {
        string? name = fields?.String("model");
        if (string.IsNullOrEmpty(name)) return First;
        return _entries.Find(e => e.Model.Id == name)
            ?? throw new RequestError(404, $"The model '{name}' does not exist on this server; /v1/models lists the ones it serves.",
                "model", code: "model_not_found");
    }

    public void Dispose()
    {
        foreach (var entry in _entries) entry.Scheduler.Dispose();
    }
}
