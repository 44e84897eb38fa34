using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Chat;

namespace SharpLM.Synthesis.Tests;

public sealed class TaskDataWriterTests
{
    private static readonly SynthOptions Options = new(Seed: 7, Count: 400, HeldOutFraction: 0.25);

    [Fact]
    public void TheSameSeedWritesTheSameBytesAndAnotherSeedDoesNot()
    {
        string root = SynthFixture.TempDirectory();
        try
        {
            TaskDataWriter.Write(Path.Combine(root, "a"), SynthFixture.Sources, Options);
            TaskDataWriter.Write(Path.Combine(root, "b"), SynthFixture.Sources, Options);
            TaskDataWriter.Write(Path.Combine(root, "c"), SynthFixture.Sources, Options with { Seed = 8 });
            var files = Directory.GetFiles(Path.Combine(root, "a"), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Path.Combine(root, "a"), f)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(13, files.Count);
            Assert.Equal(files, Directory.GetFiles(Path.Combine(root, "b"), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Path.Combine(root, "b"), f)).Order(StringComparer.Ordinal));
            foreach (string file in files)
                Assert.True(File.ReadAllBytes(Path.Combine(root, "a", file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(root, "b", file))), file);
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(root, "a", "train", "chat.jsonl")), File.ReadAllBytes(Path.Combine(root, "c", "train", "chat.jsonl")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TheFilesReadBackThroughTheProjectsReadersAndMatchTheManifest()
    {
        string root = SynthFixture.TempDirectory();
        try
        {
            var result = TaskDataWriter.Write(root, SynthFixture.Sources, Options);
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "manifest.json")))!;
            foreach (var (split, count) in new[] { ("train", result.TrainExamples), ("held-out", result.HeldOutExamples) })
            {
                var chats = ChatJsonl.Read(Path.Combine(root, split, "chat.jsonl")).ToList();
                var pairs = PreferenceJsonl.Read(Path.Combine(root, split, "preferences.jsonl")).ToList();
                Assert.Equal(count, chats.Count);
                Assert.Equal(count, pairs.Count);
                Assert.Equal(count, (int)manifest["splits"]![split]!["examples"]!);
                Assert.All(chats, c => Assert.Equal([ChatTurn.User, ChatTurn.Assistant], c.Turns.Select(t => t.Role)));
                Assert.All(pairs, p => Assert.NotEqual(p.Chosen[0].Content, p.Rejected[0].Content));
                Assert.Equal(chats.Select(c => c.Turns[0].Content), pairs.Select(p => p.Prompt[0].Content));
            }
            Assert.True(result.HeldOutExamples > 0 && result.TrainExamples > 3 * result.HeldOutExamples / 2);
            // Every kind is on both sides.
            foreach (string kind in SynthKind.All)
            {
                Assert.True((int)manifest["splits"]!["train"]!["kinds"]![kind]! > 0, kind);
                Assert.True((int)manifest["splits"]!["held-out"]!["kinds"]![kind]! > 0, kind);
            }
            foreach (var (file, hash) in manifest["files"]!.AsObject())
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, file)))), (string)hash!);
            Assert.Equal(Options.Seed, (int)manifest["seed"]!);
            Assert.Equal(result.Contaminated, (int)manifest["contamination"]!["dropped"]!);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void NoHeldOutStateGoalOrProblemReachesTraining()
    {
        string root = SynthFixture.TempDirectory();
        try
        {
            TaskDataWriter.Write(root, SynthFixture.Sources, Options);
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "manifest.json")))!;
            var heldOutStates = manifest["held_out_groups"]!["states"]!.AsArray().Select(s => (string)s!).ToList();
            Assert.Equal(3, heldOutStates.Count);   // round(12 × 0.25)
            var train = PreferenceJsonl.Read(Path.Combine(root, "train", "preferences.jsonl"))
                .Select(p => (p.Prompt[0].Content + " " + p.Chosen[0].Content + " " + p.Rejected[0].Content).ToLowerInvariant()).ToList();
            var heldOut = ChatJsonl.Read(Path.Combine(root, "held-out", "chat.jsonl")).Select(c => c.Turns[0].Content).ToList();
            // A second, plain check beside the n-gram index: no held-out prompt, and no held-out state by name, occurs in a training line.
            foreach (string prompt in heldOut)
                Assert.DoesNotContain(train, t => t.Contains(prompt.ToLowerInvariant(), StringComparison.Ordinal));
            foreach (string state in heldOutStates)
                Assert.DoesNotContain(train, t => t.Contains("capital of " + state.ToLowerInvariant(), StringComparison.Ordinal));

            // The pretraining paragraphs state every capital, but ask only about training states: no held-out question is in them.
            string facts = File.ReadAllText(Path.Combine(root, "pretraining", "capital-facts.jsonl"));
            foreach (var state in SynthFixture.Capitals)
            {
                Assert.Contains(state.Capital, facts);
                bool asked = CapitalExamples.Questions.Any(q => facts.Contains(string.Format(q, state.State), StringComparison.Ordinal));
                Assert.Equal(!heldOutStates.Contains(state.State), asked);
            }

            // The held-out probe file reads back as a catalogue: every request shape of exactly the held-out goals,
            // none of which (harmful or benign) a training line asks.
            var probes = Safety.Catalogue.ProbeCatalogue.Load([Path.Combine(root, "held-out", "probes.jsonl")]);
            Assert.Equal((int)manifest["held_out_groups"]!["probes"]!, probes.Count);
            var goals = probes.Select(SafetyExamples.Group).Distinct().ToList();
            Assert.Equal((int)manifest["held_out_groups"]!["probe_goals"]!, goals.Count);
            Assert.Equal(SynthFixture.Sources.Probes.Where(p => goals.Contains(SafetyExamples.Group(p))).Select(p => p.Id), probes.Select(p => p.Id));
            var trainPrompts = PreferenceJsonl.Read(Path.Combine(root, "train", "preferences.jsonl")).Select(p => p.Prompt[0].Content).ToHashSet();
            Assert.DoesNotContain(probes, p => trainPrompts.Contains(p.Prompt) || trainPrompts.Contains(p.Benign));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void BadOptionsNameTheOption()
    {
        Assert.Contains("--count", Assert.Throws<SharpLMException>(() => TaskDataDraw.Draw(SynthFixture.Sources, Options with { Count = 0 })).Message);
        Assert.Contains("--held-out-fraction", Assert.Throws<SharpLMException>(() => TaskDataDraw.Draw(SynthFixture.Sources, Options with { HeldOutFraction = 1 })).Message);
        Assert.Contains("--held-out-fraction", Assert.Throws<SharpLMException>(() => TaskDataDraw.Draw(SynthFixture.Sources, Options with { HeldOutFraction = 0 })).Message);
    }
}
