using SharpLM.Core;
using SharpLM.Data.Language;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Filters;

/// <summary>
/// Keeps documents whose most likely language (<see cref="LanguageIdentifier"/>, on the text's first 2,048
/// characters) is one of <see cref="LanguageOptions.Languages"/>, as datatrove's LanguageFilter does with fastText;
/// the others are dropped as "language.other".
/// </summary>
public sealed class LanguageFilter : IDocumentFilter
{
    public const string Other = "language.other";

    private readonly LanguageIdentifier _identifier;
    private readonly HashSet<string> _kept;

    public LanguageFilter(LanguageOptions options, TrigramLanguageProfiles profiles)
    {
        _identifier = new LanguageIdentifier(profiles);
        _kept = new HashSet<string>(options.Languages, StringComparer.Ordinal);
        var known = profiles.Codes.ToHashSet(StringComparer.Ordinal);
        foreach (string code in options.Languages)
            if (!known.Contains(code))
                throw new SharpLMException($"{LanguageOptions.Section}.languages: '{code}' is not a language the profiles know (they know {known.Count}, such as eng, fra, spa, deu, rus, cmn, jpn, arb, hin).");
    }

    /// <summary>The filter with its profiles: the folder the options name (relative to <paramref name="baseDirectory"/>), else franc from npm.</summary>
    public static LanguageFilter Create(LanguageOptions options, string baseDirectory, NpmPackageCache? npm = null)
    {
        string folder = options.Profiles is { } given
            ? Path.GetFullPath(given, baseDirectory)
            : (npm ?? new NpmPackageCache()).Get(TrigramLanguageProfiles.Package, TrigramLanguageProfiles.Version);
        return new LanguageFilter(options, TrigramLanguageProfiles.Load(folder));
    }

    public string Name => LanguageOptions.Section;

    public IReadOnlyList<string> Rules { get; } = [Other];

    public FilterOutcome Apply(string text) => _kept.Contains(_identifier.Identify(text)) ? FilterOutcome.Keep(text) : FilterOutcome.Reject(Other);
}
