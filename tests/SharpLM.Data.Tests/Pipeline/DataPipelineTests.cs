using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Pipeline;

namespace SharpLM.Data.Tests.Pipeline;

public class DataPipelineTests
{
    private static string TempDirectory() => Directory.CreateTempSubdirectory("sharplm-pipeline-").FullName;

    private static PipelineManifest Run(DataPipelineConfig config, string baseDirectory, string output, int threads = 2, int? stopAfter = null, bool restart = false) =>
        new DataPipeline(config, new DataPipelineRunOptions
        {
            BaseDirectory = baseDirectory, OutputDirectory = output, Threads = threads, StopAfterChunks = stopAfter, Restart = restart,
        }).Run();

    [Fact]
    public void Counts_add_up_and_every_output_document_keeps_its_provenance()
    {
        string dir = TempDirectory();
        PipelineFixture.WriteJsonl(dir, "books", 300, seed: 1, duplicateEvery: 10);
        var config = PipelineFixture.Config(("books", "books.jsonl"));
        var manifest = Run(config, dir, Path.Combine(dir, "out"));

        var books = manifest.Sources["books"];
        Assert.True(manifest.Complete);
        Assert.Equal(300, books.DocumentsIn);
        Assert.Equal(books.DocumentsIn, books.DocumentsKept + manifest.Drops.Values.Sum());
        Assert.True(manifest.Drops.GetValueOrDefault("dedup.exact") >= 25, $"expected the planted repeats to be dropped: {JsonSerializer.Serialize(manifest.Drops)}");
        Assert.Equal(books.DocumentsKept, books.DocumentsOut); // no mixing with one source
        Assert.Equal(books.DocumentsOut, books.TrainDocuments + books.ValidationDocuments);
        Assert.InRange(books.ValidationDocuments, 10, 50);

        var folder = new PipelineFolder(Path.Combine(dir, "out"));
        var documents = folder.ShardsOf("train").Concat(folder.ShardsOf("validation")).SelectMany(DocumentJsonl.Read).ToList();
        Assert.Equal(books.DocumentsOut, documents.Count);
        Assert.Equal(documents.Count, documents.Select(d => d.Id).Distinct().Count());
        string[] sourceLines = File.ReadAllLines(Path.Combine(dir, "books.jsonl"));
        foreach (var document in documents)
        {
            Assert.Equal("CC0-1.0", document.License);
            Assert.StartsWith("books:", document.Source);
            Assert.NotNull(document.Line);
            string original = sourceLines[(int)document.Line!.Value - 1];
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(original))).ToLowerInvariant(),
                document.Sha256);
        }
        Assert.True(File.Exists(folder.Manifest) && File.Exists(folder.Duplicates) && File.Exists(folder.Problems));
    }

    [Fact]
    public void Output_does_not_depend_on_the_number_of_threads()
    {
        string dir = TempDirectory();
        PipelineFixture.WriteJsonl(dir, "books", 240, seed: 2, duplicateEvery: 7);
        var config = PipelineFixture.Config(("books", "books.jsonl"));
        Run(config, dir, Path.Combine(dir, "one"), threads: 1);
        Run(config, dir, Path.Combine(dir, "two"), threads: 2);
        Assert.Equal(PipelineFixture.WithoutTimes(PipelineFixture.OutputLines(Path.Combine(dir, "one"))),
            PipelineFixture.WithoutTimes(PipelineFixture.OutputLines(Path.Combine(dir, "two"))));
    }

    [Fact]
    public void A_stopped_run_resumes_to_exactly_the_output_of_an_uninterrupted_one()
    {
        string dir = TempDirectory();
        PipelineFixture.WriteJsonl(dir, "a", 180, seed: 3, duplicateEvery: 6);
        PipelineFixture.WriteJsonl(dir, "b", 120, seed: 4, duplicateEvery: 5);
        var config = PipelineFixture.Config(("a", "a.jsonl"), ("b", "b.jsonl"));
        var whole = Run(config, dir, Path.Combine(dir, "whole"));

        string resumed = Path.Combine(dir, "resumed");
        var partial = Run(config, dir, resumed, stopAfter: 2);
        Assert.False(partial.Complete);
        Assert.Equal(2, partial.Units);
        // A unit killed between its shards and its completion record leaves shards behind; resuming rewrites them.
        File.Delete(new PipelineFolder(resumed).ChunkRecord(1));
        var second = Run(config, dir, resumed, stopAfter: 2);
        Assert.Equal(3, second.Units);
        var final = Run(config, dir, resumed);

        Assert.True(final.Complete);
        Assert.Equal(PipelineFixture.WithoutTimes(PipelineFixture.OutputLines(Path.Combine(dir, "whole"))),
            PipelineFixture.WithoutTimes(PipelineFixture.OutputLines(resumed)));
        Assert.Equal(whole.Total.DocumentsOut, final.Total.DocumentsOut);
        Assert.Equal(whole.Drops, final.Drops);
        Assert.Equal(whole.NearDuplicateClusters, final.NearDuplicateClusters);
    }

    [Fact]
    public void A_changed_config_in_an_existing_output_folder_is_refused_unless_restarting()
    {
        string dir = TempDirectory();
        PipelineFixture.WriteJsonl(dir, "books", 60, seed: 5);
        var config = PipelineFixture.Config(("books", "books.jsonl"));
        string output = Path.Combine(dir, "out");
        Run(config, dir, output);
        var changed = config with { Split = new SplitConfig { ValidationFraction = 0.5 } };
        var error = Assert.Throws<SharpLMException>(() => Run(changed, dir, output));
        Assert.Contains("different config", error.Message);
        Assert.True(Run(changed, dir, output, restart: true).Complete);
    }

    [Fact]
    public void Mixing_weights_repeat_and_thin_sources_toward_their_target_shares()
    {
        string dir = TempDirectory();
        PipelineFixture.WriteJsonl(dir, "big", 400, seed: 6);
        PipelineFixture.WriteJsonl(dir, "small", 100, seed: 7);
        var config = PipelineFixture.Config(("big", "big.jsonl"), ("small", "small.jsonl")) with
        {
            Sources = [
                new SharpLM.Data.Ingest.SourceSpec { Name = "big", Inputs = ["big.jsonl"], License = "CC0-1.0", Weight = 1 },
                new SharpLM.Data.Ingest.SourceSpec { Name = "small", Inputs = ["small.jsonl"], License = "CC0-1.0", Weight = 1 },
            ],
            Dedup = new DedupConfig { Exact = true, MinHash = null },
        };
        var manifest = Run(config, dir, Path.Combine(dir, "out"));
        // Equal weights: each source ends up with about half of the output bytes.
        double big = manifest.Sources["big"].BytesOut, small = manifest.Sources["small"].BytesOut;
        Assert.InRange(small / (big + small), 0.42, 0.58);
        Assert.True(manifest.Sources["small"].DocumentsOut > manifest.Sources["small"].DocumentsKept * 2);
        Assert.True(manifest.Sources["big"].DocumentsOut < manifest.Sources["big"].DocumentsKept);
    }

    [Fact]
    public void Temperature_flattens_natural_shares_and_one_keeps_them()
    {
        var sources = new List<(string, long, double?)> { ("a", 9000, null), ("b", 1000, null) };
        var natural = new SourceMixer(sources, temperature: 1, seed: 1);
        Assert.Equal(1.0, natural.RateOf("a"), 9);
        Assert.Equal(1.0, natural.RateOf("b"), 9);
        var flat = new SourceMixer(sources, temperature: 1e9, seed: 1);
        Assert.Equal(5000.0 / 9000, flat.RateOf("a"), 1e-3);
        Assert.Equal(5.0, flat.RateOf("b"), 1e-3);
        var t2 = new SourceMixer(sources, temperature: 2, seed: 1);
        Assert.Equal(0.75 * 10000 / 9000, t2.RateOf("a"), 9); // shares ∝ √9000 : √1000 = 3 : 1
    }

    [Fact]
    public void Copies_follow_the_fractional_rate_on_average()
    {
        var mixer = new SourceMixer([("a", 100, 0.3), ("b", 100, 0.7)], temperature: 1, seed: 9);
        Assert.Equal(1.4, mixer.RateOf("b"), 9);
        double mean = Enumerable.Range(0, 20000).Average(i => mixer.Copies("b", $"doc{i}"));
        Assert.InRange(mean, 1.38, 1.42);
        Assert.Equal(mixer.Copies("b", "doc7"), new SourceMixer([("a", 100, 0.3), ("b", 100, 0.7)], 1, 9).Copies("b", "doc7"));
    }

    [Fact]
    public void Bad_config_fields_are_named()
    {
        string dir = TempDirectory();
        string path = Path.Combine(dir, "config.json");
        File.WriteAllText(path, """{"sources": [{"name": "a", "inputs": ["x.jsonl"], "license": "MIT"}], "split": {"validation_fraction": 2}}""");
        Assert.Contains("split.validation_fraction", Assert.Throws<SharpLMException>(() => DataPipelineConfig.Load(path)).Message);
        File.WriteAllText(path, """{"sources": [], "splitt": {}}""");
        Assert.Contains(path, Assert.Throws<SharpLMException>(() => DataPipelineConfig.Load(path)).Message);
    }

    [Fact]
    public void Bad_input_is_reported_with_path_and_line_and_the_run_goes_on()
    {
        string dir = TempDirectory();
        string path = PipelineFixture.WriteJsonl(dir, "books", 40, seed: 8);
        var lines = File.ReadAllLines(path).ToList();
        lines.Insert(5, "{not json");
        lines.Insert(9, """{"id": "no-text"}""");
        File.WriteAllLines(path, lines);
        var manifest = Run(PipelineFixture.Config(("books", "books.jsonl")), dir, Path.Combine(dir, "out"));
        Assert.Equal(40, manifest.Total.DocumentsIn);
        Assert.Equal(2, manifest.Problems.Values.Sum());
        var problems = File.ReadAllLines(new PipelineFolder(Path.Combine(dir, "out")).Problems).Select(l => JsonSerializer.Deserialize<ProblemEntry>(l)!).ToList();
        Assert.Equal([6L, 10L], problems.Select(p => p.Line!.Value).Order());
        Assert.All(problems, p => Assert.EndsWith("books.jsonl", p.Path));
    }

    [Fact]
    public void Contaminated_documents_are_dropped_and_the_leaked_items_named()
    {
        string dir = TempDirectory();
        var random = new Random(10);
        string leaked = PipelineFixture.Prose(random, 3);
        PipelineFixture.WriteJsonl(dir, "books", 60, seed: 11, extra: i => i % 20 == 0 ? leaked : "");
        File.WriteAllLines(Path.Combine(dir, "eval.jsonl"), [
            JsonSerializer.Serialize(new { question = leaked }),
            JsonSerializer.Serialize(new { question = "What colour is the sky over the quiet northern town today at noon exactly" }),
        ]);
        var config = PipelineFixture.Config(("books", "books.jsonl")) with { Contamination = new ContaminationConfig { EvalSets = ["eval.jsonl"] } };
        var manifest = Run(config, dir, Path.Combine(dir, "out"));
        Assert.Equal(3, manifest.Drops["contamination"]);
        Assert.Equal(["eval.jsonl:1"], manifest.Contamination.Keys);
    }
}
