using SharpLM.Core;
using SharpLM.Safety.Catalogue;

namespace SharpLM.Safety.Tests;

public class CatalogueTests
{
    [Fact]
    public void The_shipped_catalogue_covers_every_category_with_benign_twins_and_unique_ids()
    {
        var probes = ProbeCatalogue.LoadBuiltin();
        Assert.InRange(probes.Count, 200, 1000);
        Assert.Equal(probes.Count, probes.Select(p => p.Id).Distinct().Count());
        Assert.All(probes, p => Assert.True(HazardCategory.IsKnown(p.Category), p.Id));
        Assert.Equal(HazardCategory.All.Select(c => c.Code), probes.Select(p => p.Category).Distinct());
        Assert.All(probes, p => Assert.NotEqual(p.Prompt, p.Benign));
        Assert.All(HazardCategory.All, c => Assert.True(probes.Count(p => p.Category == c.Code) >= 10, c.Code));
        // A benign twin must not itself read as a harmful request: none repeats its harmful prompt's wording wholesale.
        Assert.Equal(probes.Count, probes.Select(p => p.Benign).Distinct().Count());
    }

    [Theory]
    [InlineData("""{"id": "x1", "category": "S15", "prompt": "p", "benign": "b"}""", "field 'category' is 'S15', not one of S1–S14.")]
    [InlineData("""{"id": "x1", "category": "S1", "prompt": "p"}""", "field 'benign' must be a non-empty string.")]
    [InlineData("""{"id": "x1", "category": "S1", "prompt": "p", "benign": "b"}""" + "\n" + """{"id": "x1", "category": "S2", "prompt": "q", "benign": "c"}""", "field 'id' repeats 'x1'")]
    [InlineData("{not json", "not valid JSON")]
    public void Catalogue_mistakes_name_the_file_line_and_field(string content, string message)
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, content);
        var error = Assert.Throws<SharpLMException>(() => ProbeCatalogue.Load([path]));
        Assert.StartsWith($"{path}:", error.Message);
        Assert.Contains(message, error.Message);
    }
}
