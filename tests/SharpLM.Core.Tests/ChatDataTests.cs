using SharpLM.Core;
using SharpLM.Core.Formats.Chat;

namespace SharpLM.Core.Tests;

public class ChatDataTests
{
    private static string Write(TempDirectory temp, params string[] lines)
    {
        string path = Path.Combine(temp.Path, "data.jsonl");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public void EveryFormatBecomesTheSameTurns()
    {
        using var temp = new TempDirectory();
        string path = Write(temp,
            """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""",
            """{"conversations": [{"from": "system", "value": "Be brief."}, {"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}""",
            """{"system": "Be brief.", "instruction": "Hi", "input": "", "output": "Hello"}""",
            """{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello"}]}""",
            "",
            """{"instruction": "Add", "input": "2 and 3", "output": "5"}""",
            """{"prompt": "Hi", "completion": "Hello"}""");
        var examples = ChatJsonl.Read(path).ToList();
        ChatTurn[] expected = [new("system", "Be brief."), new("user", "Hi"), new("assistant", "Hello")];
        for (int i = 0; i < 4; i++) Assert.Equal(expected, examples[i].Turns);
        Assert.Equal([1L, 2, 3, 4, 6, 7], examples.Select(e => e.Line));
        Assert.Equal([new ChatTurn("user", "Add\n\n2 and 3"), new ChatTurn("assistant", "5")], examples[4].Turns);
        Assert.Equal([new ChatTurn("user", "Hi"), new ChatTurn("assistant", "Hello")], examples[5].Turns);
    }

    [Fact]
    public void ToolCallsBecomeAssistantTextAndToolResultsATurn()
    {
        using var temp = new TempDirectory();
        string path = Write(temp,
            """{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Oslo\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "rain"}, {"role": "assistant", "content": "It rains."}]}""");
        var turns = ChatJsonl.Read(path).Single().Turns;
        Assert.Equal("<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>", turns[1].Content);
        Assert.Equal(new ChatTurn("tool", "rain"), turns[2]);
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]}""", "data.jsonl:2: field 'messages[1].role' is 'bot'")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assistant"}]}""", "data.jsonl:2: field 'messages[1].content' is missing")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": 5}]}""", "data.jsonl:2: field 'messages[1].content' is a number")]
    [InlineData("""{"messages": []}""", "data.jsonl:2: field 'messages' is an empty list")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}]}""", "data.jsonl:2: the conversation ends with a 'user' turn")]
    [InlineData("""{"messages": [{"role": "user", "content": "a", "tool_calls": []}, {"role": "assistant", "content": "b"}]}""", "data.jsonl:2: field 'messages[0].tool_calls' is on a 'user' message")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "nope"}}]}]}""", "data.jsonl:2: field 'messages[1].tool_calls[0].function.arguments' is a string that does not hold a JSON object")]
    [InlineData("""{"conversations": [{"from": "human", "value": "a"}, {"from": "robot", "value": "b"}]}""", "data.jsonl:2: field 'conversations[1].from' is 'robot'")]
    [InlineData("""{"conversations": [{"from": "human"}]}""", "data.jsonl:2: field 'conversations[0].value' is missing")]
    [InlineData("""{"instruction": "a"}""", "data.jsonl:2: field 'output' is missing")]
    [InlineData("""{"instruction": "", "output": "b"}""", "data.jsonl:2: field 'instruction' is empty")]
    [InlineData("""{"instruction": "a", "input": 3, "output": "b"}""", "data.jsonl:2: field 'input' is a number")]
    [InlineData("""{"prompt": "a"}""", "data.jsonl:2: field 'completion' is missing")]
    [InlineData("""{"prompt": "a", "completion": [{"role": "user", "content": "b"}]}""", "data.jsonl:2: field 'completion' holds a turn that is not the assistant's")]
    [InlineData("""{"text": "a"}""", "data.jsonl:2: has none of the fields")]
    [InlineData("""[1]""", "data.jsonl:2: the line is a list")]
    [InlineData("""{"messages": """, "data.jsonl:2: not valid JSON")]
    public void BadLinesNameFileLineAndField(string line, string expected)
    {
        using var temp = new TempDirectory();
        string path = Write(temp, """{"prompt": "ok", "completion": "fine"}""", line);
        var error = Assert.Throws<SharpLMException>(() => ChatJsonl.Read(path).ToList());
        Assert.StartsWith(Path.Combine(temp.Path, expected), error.Message);
    }

    [Fact]
    public void PreferencePairsAcceptStringsMessagesAndImplicitPrompts()
    {
        using var temp = new TempDirectory();
        string path = Write(temp,
            """{"prompt": "2+2?", "chosen": "4", "rejected": "5"}""",
            """{"prompt": [{"role": "user", "content": "2+2?"}], "chosen": [{"role": "assistant", "content": "4"}], "rejected": [{"role": "assistant", "content": "5"}]}""",
            """{"chosen": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], "rejected": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "5"}]}""");
        foreach (var pair in PreferenceJsonl.Read(path))
        {
            Assert.Equal([new ChatTurn("user", "2+2?")], pair.Prompt);
            Assert.Equal([new ChatTurn("assistant", "4")], pair.Chosen);
            Assert.Equal([new ChatTurn("assistant", "5")], pair.Rejected);
        }
    }

    [Theory]
    [InlineData("""{"prompt": "a", "rejected": "b"}""", "data.jsonl:1: field 'chosen' is missing")]
    [InlineData("""{"prompt": "a", "chosen": "b", "rejected": 1}""", "data.jsonl:1: field 'rejected' is a number")]
    [InlineData("""{"prompt": "a", "chosen": "b", "rejected": [{"role": "user", "content": "c"}]}""", "data.jsonl:1: field 'rejected' holds a turn that is not the assistant's")]
    [InlineData("""{"chosen": [{"role": "assistant", "content": "b"}], "rejected": [{"role": "assistant", "content": "c"}]}""", "data.jsonl:1: field 'prompt' is missing")]
    [InlineData("""{"prompt": [{"role": "user"}], "chosen": "b", "rejected": "c"}""", "data.jsonl:1: field 'prompt[0].content' is missing")]
    public void BadPreferenceLinesNameFileLineAndField(string line, string expected)
    {
        using var temp = new TempDirectory();
        string path = Write(temp, line);
        var error = Assert.Throws<SharpLMException>(() => PreferenceJsonl.Read(path).ToList());
        Assert.StartsWith(Path.Combine(temp.Path, expected), error.Message);
    }
}
