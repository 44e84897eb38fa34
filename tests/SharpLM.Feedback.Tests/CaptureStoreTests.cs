using Microsoft.Extensions.Logging;
using SharpLM.Core;
using SharpLM.Feedback.Capture;

namespace SharpLM.Feedback.Tests;

public class CaptureStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private static CapturedExchange Exchange(string id, string conversation, string text = "the whale") => new(id, conversation, "chat", "tiny",
        [new CapturedMessage("system", "be brief"), new CapturedMessage("user", text)], [new CapturedChoice("the sea", "stop"), new CapturedChoice("the ship", "length")], 7, 4);

    private static RatingFeedback Rating(string conversation, int rating = 1, string? correction = null) =>
        new(conversation, null, "tiny", [new CapturedMessage("user", "the whale")], "the sea", rating, correction);

    private static PairwiseFeedback Pair(string conversation) =>
        new(conversation, [new CapturedMessage("user", "the whale")], new PairwiseCandidate("a", "x"), new PairwiseCandidate("b", "y"), "a");

    [Fact]
    public void Creates_the_documented_schema_with_its_version_and_write_ahead_log()
    {
        string path = CaptureDatabase.NewPath();
        using (var store = CaptureStore.Open(path, create: true))
        {
            store.RecordExchange(Exchange("x1", "c1"), CaptureIdentity.Anonymous);
            Assert.Equal(1, store.Stats().SchemaVersion);
        }
        var version = CaptureDatabase.Rows(path, "SELECT version, created_at FROM schema_version").Single();
        Assert.Equal(1L, version["version"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string)version["created_at"]!);
        Assert.Equal("wal", CaptureDatabase.Rows(path, "PRAGMA journal_mode").Single().Values.Single());
        var messages = CaptureDatabase.Rows(path, "SELECT id, position, role, finish_reason FROM messages ORDER BY id");
        Assert.Equal(["x1", "x1.1", "x1:0", "x1:1"], messages.Select(m => (string)m["id"]!));
        Assert.Equal("length", messages[1]["finish_reason"]);
        Assert.Throws<SharpLMException>(() => CaptureStore.Open(Path.Combine(Path.GetDirectoryName(path)!, "missing.db"), create: false));
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_refused_naming_it()
    {
        string path = CaptureDatabase.NewPath();
        File.WriteAllText(path, "not a database, just text that is long enough to have a header".PadRight(200, '.'));
        var error = Assert.Throws<SharpLMException>(() => CaptureStore.Open(path, create: false));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Deleting_a_conversation_removes_its_messages_feedback_and_row_and_nothing_else()
    {
        string path = CaptureDatabase.NewPath();
        using var store = CaptureStore.Open(path, create: true);
        var alice = new CaptureIdentity("abcd1234", "alice");
        store.RecordExchange(Exchange("x1", "c1"), alice);
        store.RecordExchange(Exchange("x2", "c1"), alice);
        store.RecordFeedback(Rating("c1", -1, "the ship"), alice);
        store.RecordFeedback(Pair("c1"), CaptureIdentity.Anonymous);
        store.RecordExchange(Exchange("x3", "c2"), alice);
        store.RecordFeedback(Rating("c2"), alice);
        Assert.Equal(new CaptureCounts(2, 12, 3), store.Count());

        var removed = store.DeleteConversation("c1");
        Assert.Equal(new CaptureCounts(1, 8, 2), removed);
        Assert.Equal(new Dictionary<string, long> { ["conversations"] = 1, ["messages"] = 4, ["feedback"] = 1 }, CaptureDatabase.RowCounts(path));
        Assert.DoesNotContain(CaptureDatabase.AllCells(path), cell => cell == "c1");
        Assert.Equal(new CaptureCounts(0, 0, 0), store.DeleteConversation("c1"));
    }

    [Fact]
    public void Deleting_a_user_removes_their_conversations_and_every_judgement_they_filed()
    {
        string path = CaptureDatabase.NewPath();
        using var store = CaptureStore.Open(path, create: true);
        var alice = new CaptureIdentity(null, "alice@example.com");
        var bob = new CaptureIdentity(null, "bob");
        store.RecordExchange(Exchange("x1", "alice-1"), alice);
        store.RecordExchange(Exchange("x2", "alice-2"), alice);
        store.RecordFeedback(Rating("alice-1"), bob);       // bob's judgement inside alice's conversation goes with it
        store.RecordExchange(Exchange("x3", "bob-1"), bob);
        store.RecordFeedback(Rating("bob-1"), alice);       // alice's judgement inside bob's conversation goes as hers
        store.RecordFeedback(Pair("bob-1"), bob);

        var removed = store.DeleteUser("alice@example.com");
        Assert.Equal(new CaptureCounts(2, 8, 2), removed);
        Assert.Equal(new Dictionary<string, long> { ["conversations"] = 1, ["messages"] = 4, ["feedback"] = 1 }, CaptureDatabase.RowCounts(path));
        string hash = CaptureIdentity.HashUser("alice@example.com")!;
        Assert.DoesNotContain(CaptureDatabase.AllCells(path), cell => cell == hash || cell.StartsWith("alice-", StringComparison.Ordinal));
        Assert.Equal(new CaptureCounts(0, 0, 0), store.DeleteUser("alice@example.com"));
    }

    [Fact]
    public void Retention_deletes_rows_older_than_the_window_by_the_injected_clock()
    {
        string path = CaptureDatabase.NewPath();
        var clock = new ManualClock(Start);
        using var store = CaptureStore.Open(path, create: true, clock);
        store.RecordExchange(Exchange("old", "c-old"), CaptureIdentity.Anonymous);
        store.RecordFeedback(Rating("c-old"), CaptureIdentity.Anonymous);
        clock.Now = Start.AddDays(20);
        store.RecordExchange(Exchange("mid", "c-mid"), CaptureIdentity.Anonymous);
        store.RecordExchange(Exchange("late-turn", "c-old"), CaptureIdentity.Anonymous); // a later turn keeps its old conversation alive
        clock.Now = Start.AddDays(35);
        store.RecordFeedback(Pair("c-new"), CaptureIdentity.Anonymous);

        Assert.Equal(new CaptureCounts(0, 0, 0), store.ApplyRetention(40));
        var removed = store.ApplyRetention(30); // cutoff: day 5 — only the day-0 rows are older
        Assert.Equal(new CaptureCounts(0, 4, 1), removed);
        Assert.Equal(new Dictionary<string, long> { ["conversations"] = 3, ["messages"] = 8, ["feedback"] = 1 }, CaptureDatabase.RowCounts(path));
        clock.Now = Start.AddDays(60);
        Assert.Equal(new CaptureCounts(2, 8, 0), store.ApplyRetention(30)); // cutoff: day 30 — the day-20 rows and their conversations go
        Assert.Equal(new Dictionary<string, long> { ["conversations"] = 1, ["messages"] = 0, ["feedback"] = 1 }, CaptureDatabase.RowCounts(path));
        Assert.Throws<SharpLMException>(() => store.ApplyRetention(0));
    }

    [Fact]
    public void Feedback_reads_back_as_written_oldest_first()
    {
        var clock = new ManualClock(Start);
        using var store = CaptureStore.Open(CaptureDatabase.NewPath(), create: true, clock);
        string second = store.RecordFeedback(Rating("c", -1, "the ship"), CaptureIdentity.Anonymous);
        clock.Now = Start.AddSeconds(-5);
        string first = store.RecordFeedback(Pair("c"), CaptureIdentity.Anonymous);
        var read = store.ReadFeedback();
        Assert.Equal([first, second], read.Select(f => f.Id));
        Assert.Equal(Start, read[1].CreatedAt);
        var rating = Assert.IsType<RatingFeedback>(read[1].Entry);
        Assert.Equal((-1, "the ship", "the sea"), (rating.Rating, rating.Correction, rating.Response));
        Assert.Equal(Pair("c").A, Assert.IsType<PairwiseFeedback>(read[0].Entry).A);
        var stats = store.Stats();
        Assert.Equal((0L, 1L, 1L, 1L, 0L), (stats.PositiveRatings, stats.NegativeRatings, stats.Corrections, stats.PairwiseChoices, stats.PairwiseTies));
    }

    [Fact]
    public async Task A_server_with_a_retention_window_deletes_old_rows_when_it_starts()
    {
        string path = CaptureDatabase.NewPath();
        using (var store = CaptureStore.Open(path, create: true, new ManualClock(DateTimeOffset.UtcNow.AddDays(-45))))
        {
            store.RecordExchange(Exchange("old", "c-old"), CaptureIdentity.Anonymous);
            store.RecordFeedback(Rating("c-old"), CaptureIdentity.Anonymous);
        }
        using (var store = CaptureStore.Open(path, create: false, new ManualClock(DateTimeOffset.UtcNow.AddDays(-2))))
            store.RecordExchange(Exchange("recent", "c-recent"), CaptureIdentity.Anonymous);
        await using (await Serving.SharpLMServer.StartAsync(new Serving.ServerOptions
        {
            ModelDirectory = Directory.CreateTempSubdirectory("sharplm-no-model-").FullName, Port = 0, CaptureDatabase = path, CaptureRetentionDays = 30,
        }, logging => logging.ClearProviders()))
        {
            Assert.Equal(new Dictionary<string, long> { ["conversations"] = 1, ["messages"] = 4, ["feedback"] = 0 }, CaptureDatabase.RowCounts(path));
        }
    }
}
