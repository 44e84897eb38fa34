using System.Text;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Cleaning;
using SharpLM.Data.Contamination;
using SharpLM.Data.Dedup;
using SharpLM.Data.Filters;
using SharpLM.Data.Pii;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// The per-document stages, all thread-safe so a unit of work runs them on every core: before deduplication
/// (<see cref="Analyse"/>: clean, boilerplate, quality filters, contamination, dedup keys) and after it
/// (<see cref="Finish"/>: PII, mixing, split, serialisation).
/// </summary>
public sealed class DocumentProcessor
{
    private readonly DataPipelineConfig _config;
    private readonly TextCleaner _cleaner;
    private readonly IReadOnlyList<IDocumentFilter> _filters;
    private readonly ContaminationIndex? _contamination;
    private readonly MinHasher? _minHasher;
    private readonly PiiScrubber? _pii;
    private readonly SourceMixer _mixer;
    private readonly StageClock _clock;
    private readonly DateTimeOffset _ingestedAt;
    private readonly Dictionary<string, BoilerplateLineDetector> _boilerplate = new();
    private FilterCounters _lineCounters = new();
    private readonly Dictionary<string, string> _licenses;

    /// <param name="language">The language filter, built by the caller (its profiles are read before anything is written); null when off.</param>
    public DocumentProcessor(DataPipelineConfig config, ContaminationIndex? contamination, SourceMixer mixer, StageClock clock, DateTimeOffset ingestedAt,
        LanguageFilter? language = null)
    {
        _config = config;
        _licenses = config.Sources.ToDictionary(s => s.Name, s => s.License);
        _cleaner = new TextCleaner(config.Clean.Normalization == "NFKC" ? NormalizationForm.FormKC : NormalizationForm.FormC);
        var filters = new List<IDocumentFilter>();
        // Language first, as in datatrove's pipelines: the quality rules assume the language they were written for.
        if (language is not null) filters.Add(language);
        if (config.Filters.GopherQuality is { } quality) filters.Add(new GopherQualityFilter(quality));
        if (config.Filters.GopherRepetition is { } repetition) filters.Add(new GopherRepetitionFilter(repetition));
        if (config.Filters.C4 is { } c4) filters.Add(new C4QualityFilter(c4));
        _filters = filters;
        _contamination = contamination;
        _minHasher = config.Dedup.MinHash is { } minHash ? new MinHasher(minHash) : null;
        _pii = config.Pii is { } pii ? new PiiScrubber(pii) : null;
        _mixer = mixer;
        _clock = clock;
        _ingestedAt = ingestedAt;
    }

    public TextCleaner Cleaner => _cleaner;

    /// <summary>Lines joined, removed (and kept) by line-level rules since the last call, per rule; then starts counting afresh.</summary>
    public Dictionary<string, long> TakeLineCounts()
    {
        var counts = Interlocked.Exchange(ref _lineCounters, new FilterCounters()).Snapshot();
        return C4QualityFilter.LineRules.Append(LineUnwrapper.Rule).Where(counts.ContainsKey).ToDictionary(rule => rule, rule => counts[rule]);
    }

    /// <summary>Installs the repeated-line detector learned from the start of a source.</summary>
    public void SetBoilerplate(string source, BoilerplateLineDetector detector)
    {
        lock (_boilerplate) _boilerplate[source] = detector;
    }

    public void Analyse(DocumentWork work)
    {
        var lap = _clock.Start("clean");
        work.BytesIn = Encoding.UTF8.GetByteCount(work.Raw.Text);
        string text = _cleaner.Clean(work.Text);
        BoilerplateLineDetector? detector;
        lock (_boilerplate) _boilerplate.TryGetValue(work.Raw.Source, out detector);
        if (detector is not null)
        {
            text = detector.Strip(text, out int removed);
            work.BoilerplateLinesRemoved = removed;
        }
        if (_config.Clean.UnwrapLines)
        {
            text = LineUnwrapper.Unwrap(text, out int joined);
            _lineCounters.Increment(LineUnwrapper.Rule, joined);
        }
        work.Text = text;
        lap.Stop();
        if (text.Length < Math.Max(1, _config.Clean.MinCharacters))
        {
            work.DroppedBy = "clean.empty";
            return;
        }

        lap = _clock.Start("filter");
        foreach (var filter in _filters)
        {
            var outcome = filter.Apply(work.Text, _lineCounters);
            if (outcome.RejectedBy is not null || outcome.Text is null)
            {
                work.DroppedBy = outcome.RejectedBy ?? filter.Name;
                lap.Stop();
                return;
            }
            work.Text = outcome.Text;
        }
        lap.Stop();

        if (_contamination is not null)
        {
            lap = _clock.Start("contamination");
            work.Leaks = _contamination.Matches(work.Text);
            lap.Stop();
            if (work.Leaks.Count > 0)
            {
                work.DroppedBy = "contamination";
                return;
            }
        }

        lap = _clock.Start("dedup_signature");
        if (_config.Dedup.Exact) work.ExactKey = ExactDeduplicator.KeyOf(work.Text);
        if (_minHasher is not null) work.Signature = _minHasher.Signature(work.Text);
        lap.Stop();
    }

    /// <summary>Scrubs PII, then writes the kept document's copies (after mixing) as JSONL lines for train or validation.</summary>
    public void Finish(DocumentWork work)
    {
        if (!work.Kept) return;
        var lap = _clock.Start("pii");
        string text = _pii is null ? work.Text : _pii.Scrub(work.Text, work.Pii);
        lap.Stop();

        lap = _clock.Start("write");
        var raw = work.Raw;
        int copies = _mixer.Copies(raw.Source, raw.Id);
        // Every copy of a document lands in the same split, so validation never shares text with training.
        bool validation = SourceMixer.UnitHash(_config.Split.Seed, "split\u0000" + raw.Id) < _config.Split.ValidationFraction;
        var meta = new Dictionary<string, string>(raw.Meta) { ["format"] = raw.Format };
        int bytes = Encoding.UTF8.GetByteCount(text);
        for (int copy = 0; copy < copies; copy++)
        {
            var document = new Document
            {
                Id = copy == 0 ? raw.Id : $"{raw.Id}#{copy + 1}",
                Text = text,
                Source = $"{raw.Source}:{raw.Path}",
                License = SourceLicense(raw.Source),
                Line = raw.Line,
                ByteOffset = raw.ByteOffset,
                Sha256 = raw.Sha256,
                IngestedAt = _ingestedAt,
                Meta = meta,
            };
            string line = DocumentJsonl.ToLine(document);
            work.Output.Add((line, validation, bytes));
        }
        lap.Stop();
    }

    private string SourceLicense(string source) => _licenses[source];
}
