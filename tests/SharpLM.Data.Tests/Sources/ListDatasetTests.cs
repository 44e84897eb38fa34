using SharpLM.Core;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Tests.Sources;

public class ListDatasetTests
{
    private static string Package(string file, string json)
    {
        string package = Directory.CreateTempSubdirectory("sharplm-list-pkg-").FullName;
        Directory.CreateDirectory(Path.Combine(package, "data"));
        File.WriteAllText(Path.Combine(package, "data", file), json);
        return package;
    }

    [Fact]
    public void Capitals_pair_with_state_names_in_package_order()
    {
        string names = Package("data.json", """["Alabama","Alaska","Arizona"]""");
        string capitals = Package("data.json", """["Montgomery","Juneau","Phoenix"]""");
        var pairs = UsStateCapitals.Read(names, capitals);
        Assert.Equal([new StateCapital("Alabama", "Montgomery"), new StateCapital("Alaska", "Juneau"), new StateCapital("Arizona", "Phoenix")], pairs);
    }

    [Fact]
    public void Lists_of_different_lengths_are_refused()
    {
        string names = Package("data.json", """["Alabama","Alaska"]""");
        string capitals = Package("data.json", """["Montgomery"]""");
        var error = Assert.Throws<SharpLMException>(() => UsStateCapitals.Read(names, capitals));
        Assert.Contains("1 capitals for 2 state names", error.Message);
    }

    [Fact]
    public void Afinn_reads_word_and_valence_pairs_including_phrases()
    {
        string package = Package("words.json", """[["abandon",-2],["does not work",-3],["superb",5]]""");
        Assert.Equal([new AfinnEntry("abandon", -2), new AfinnEntry("does not work", -3), new AfinnEntry("superb", 5)], AfinnLexicon.Read(package));
    }

    [Fact]
    public void A_malformed_afinn_entry_names_its_index()
    {
        string package = Package("words.json", """[["abandon",-2],["oops"]]""");
        var error = Assert.Throws<SharpLMException>(() => AfinnLexicon.Read(package));
        Assert.EndsWith("words.json: entry 1 is not a [word, valence] pair.", error.Message);
    }

    [Fact]
    public void A_missing_data_file_is_one_sentence()
    {
        string package = Directory.CreateTempSubdirectory("sharplm-list-pkg-").FullName;
        var error = Assert.Throws<SharpLMException>(() => AfinnLexicon.Read(package));
        Assert.EndsWith("the package has no data/words.json.", error.Message);
    }
}

/// <summary>Runs only where the real packages are in the npm cache (after `sharplm eval suite` once): no network in tests.</summary>
public sealed class StateListsCachedFactAttribute : FactAttribute
{
    public StateListsCachedFactAttribute()
    {
        var cache = new NpmPackageCache();
        if (!cache.Contains(UsStateCapitals.NamesPackage, UsStateCapitals.Version) || !cache.Contains(UsStateCapitals.CapitalsPackage, UsStateCapitals.Version)
            || !cache.Contains(AfinnLexicon.Package, AfinnLexicon.Version))
            Skip = "the state and AFINN packages are not in the npm cache (run `sharplm eval suite --out x` once to enable this test)";
    }
}

public class RealListDatasetTests
{
    [StateListsCachedFact]
    public void The_real_lists_pair_every_state_with_its_capital_and_rate_afinn_words()
    {
        var pairs = UsStateCapitals.Load();
        Assert.Equal(50, pairs.Count);
        // Published facts, independent of the package's order.
        Assert.Contains(new StateCapital("New York", "Albany"), pairs);
        Assert.Contains(new StateCapital("Ohio", "Columbus"), pairs);
        Assert.Contains(new StateCapital("Wyoming", "Cheyenne"), pairs);
        Assert.Contains(new StateCapital("California", "Sacramento"), pairs);
        var afinn = AfinnLexicon.Load();
        Assert.Equal(2477, afinn.Count);
        Assert.Contains(new AfinnEntry("abandon", -2), afinn);
        Assert.All(afinn, e => Assert.InRange(e.Valence, -5, 5));
    }
}
