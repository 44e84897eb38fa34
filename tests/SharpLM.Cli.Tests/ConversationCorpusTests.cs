namespace SharpLM.Cli.Tests;

/// <summary>`tokenizer encode-corpus --conversations`: chat JSONL rendered into the training shard.</summary>
public class ConversationCorpusTests
{
    private static string Documents(string dir)
    {
        string path = Path.Combine(dir, "docs.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, 30).Select(i =>
            $"{{\"id\":\"d{i}\",\"text\":\"The whale {i} swims past the ship, and the crew watches it go.\",\"source\":\"s\",\"license\":\"l\"}}"));
        var trained = CliProcess.Run("tokenizer", "train", "--in", path, "--out", Path.Combine(dir, "tokenizer.json"), "--vocab-size", "300");
        Assert.True(trained.ExitCode == 0, trained.Error);
        return path;
    }

    [Fact]
    public void Conversations_join_the_training_shard_and_are_counted()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Documents(dir);
        string chat = Path.Combine(dir, "chat.jsonl");
        File.WriteAllLines(chat,
        [
            """{"messages":[{"role":"user","content":"Who swims?"},{"role":"assistant","content":"The whale."}]}""",
            """{"conversations":[{"from":"human","value":"Who watches?"},{"from":"gpt","value":"The crew."}]}""",
        ]);
        var plain = CliProcess.Run("tokenizer", "encode-corpus", "-t", Path.Combine(dir, "tokenizer.json"), "--in", documents, "--out-dir", Path.Combine(dir, "plain"));
        var mixed = CliProcess.Run("tokenizer", "encode-corpus", "-t", Path.Combine(dir, "tokenizer.json"), "--in", documents, "--out-dir", Path.Combine(dir, "mixed"),
            "--conversations", chat);
        Assert.True(mixed.ExitCode == 0, mixed.Error);
        Assert.Contains("(of which 2 conversations)", mixed.Output);
        Assert.True(new FileInfo(Path.Combine(dir, "mixed", "train.tok")).Length > new FileInfo(Path.Combine(dir, "plain", "train.tok")).Length);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "plain", "val.tok")), File.ReadAllBytes(Path.Combine(dir, "mixed", "val.tok")));
    }

    [Fact]
    public void A_bad_conversation_names_its_file_and_line()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Documents(dir);
        string chat = Path.Combine(dir, "chat.jsonl");
        File.WriteAllLines(chat,
        [
            """{"messages":[{"role":"user","content":"Who swims?"},{"role":"assistant","content":"The whale."}]}""",
            """{"messages":[{"role":"user","content":"Who swims?"}]}""",
        ]);
        var result = CliProcess.Run("tokenizer", "encode-corpus", "-t", Path.Combine(dir, "tokenizer.json"), "--in", documents, "--out-dir", Path.Combine(dir, "out"),
            "--conversations", chat);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"sharplm: error: {chat}:2: ", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "out", "train.tok")));
    }
}
