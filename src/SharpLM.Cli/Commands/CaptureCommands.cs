using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm capture delete|stats`: the capture database a server started with --capture writes.</summary>
public static class CaptureCommands
{
    public static Command Create()
    {
        var capture = new Command("capture", "The capture database of served exchanges and feedback (`sharplm serve --capture DB`): delete a conversation's or a user's data, and count what it holds.");
        capture.Subcommands.Add(Delete());
        capture.Subcommands.Add(Stats());
        return capture;
    }

    private static Option<string> Db() => new("--db") { Description = "The capture database (SQLite).", Required = true };

    private static Command Delete()
    {
        var db = Db();
        var conversation = new Option<string?>("--conversation") { Description = "Delete this conversation: its messages, the feedback filed under it, and its row." };
        var user = new Option<string?>("--user") { Description = "Delete everything of this user id (OpenAI's 'user' field or X-SharpLM-User): their conversations and every judgement they filed." };
        var command = new Command("delete", "Delete captured data for a data-subject request; prints the rows removed per table.") { db, conversation, user };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            CaptureStage.Delete(parse.GetValue(db)!, parse.GetValue(conversation), parse.GetValue(user));
            return 0;
        }));
        return command;
    }

    private static Command Stats()
    {
        var db = Db();
        var json = new Option<bool>("--json") { Description = "Print the counts as one JSON object." };
        var command = new Command("stats", "Rows per table, exchanges, ratings, corrections, pairwise choices and the time span of a capture database.") { db, json };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            CaptureStage.Stats(parse.GetValue(db)!, parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
