using System.Text.Json;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Feedback.Capture;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>Deletion and counts over a capture database, printed.</summary>
public static class CaptureStage
{
    public static void Delete(string db, string? conversation, string? user)
    {
        if ((conversation is null) == (user is null)) throw new SharpLMException("give exactly one of --conversation ID and --user ID.");
        using var store = CaptureStore.Open(db, create: false);
        var removed = conversation is not null ? store.DeleteConversation(conversation) : store.DeleteUser(user!);
        string what = conversation is not null ? $"conversation {conversation}" : $"user {user}";
        Display.Info(removed.Total == 0 ? $"{db}: nothing captured for {what}."
            : $"{db}: deleted {what}: {removed.Conversations:N0} conversations, {removed.Messages:N0} messages, {removed.Feedback:N0} feedback rows.");
    }

    public static void Stats(string db, bool json)
    {
        using var store = CaptureStore.Open(db, create: false);
        var stats = store.Stats();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["schema_version"] = stats.SchemaVersion, ["conversations"] = stats.Rows.Conversations, ["messages"] = stats.Rows.Messages,
                ["feedback"] = stats.Rows.Feedback, ["exchanges"] = stats.Exchanges, ["ratings_positive"] = stats.PositiveRatings,
                ["ratings_negative"] = stats.NegativeRatings, ["corrections"] = stats.Corrections, ["pairwise"] = stats.PairwiseChoices,
                ["pairwise_ties"] = stats.PairwiseTies, ["oldest"] = stats.Oldest, ["newest"] = stats.Newest,
            }));
            return;
        }
        var table = new Table().AddColumns("", "count");
        void Row(string name, long value) => table.AddRow(name, $"{value:N0}");
        Row("conversations", stats.Rows.Conversations);
        Row("messages", stats.Rows.Messages);
        Row("exchanges", stats.Exchanges);
        Row("feedback", stats.Rows.Feedback);
        Row("  rated up", stats.PositiveRatings);
        Row("  rated down", stats.NegativeRatings);
        Row("  with a correction", stats.Corrections);
        Row("  pairwise", stats.PairwiseChoices);
        Row("  pairwise ties", stats.PairwiseTies);
        AnsiConsole.Write(table);
        Display.Info(stats.Oldest is null ? "empty" : $"from {stats.Oldest:u} to {stats.Newest:u}; schema version {stats.SchemaVersion}");
    }
}
