using System.Text;
using System.Text.Json;
using SharpLM.Serving.Api;

namespace SharpLM.Serving.Tests;

/// <summary>The scanner that picks a forced call's arguments out of the generated wrapper, checked against System.Text.Json.</summary>
public class ForcedToolCallStreamTests
{
    /// <summary>Pushes the text in pieces of the given size; returns how often the name completed and what was released, in order.</summary>
    private static (int NameCompletions, List<string> Releases, string? Name) Feed(string text, string? knownName, int piece)
    {
        var stream = new ForcedCallStream(knownName);
        var releases = new List<string>();
        int completions = 0;
        for (int at = 0; at < text.Length; at += piece)
        {
            var step = stream.Push(text.Substring(at, Math.Min(piece, text.Length - at)));
            if (step.NameCompleted) completions++;
            if (step.Arguments.Length > 0) releases.Add(step.Arguments);
        }
        return (completions, releases, stream.Name);
    }

    private static string RawArguments(string wrapper)
    {
        using var document = JsonDocument.Parse(wrapper);
        return document.RootElement.GetProperty("arguments").GetRawText();
    }

    [Theory]
    [InlineData("""{"name": "get_weather", "arguments": {"port": "a}\"{[", "days": 3}}""")]
    [InlineData(""" {"name":"get_weather","arguments":{ "port" : "x\\", "days" : [1, {"d": "}"}] } } """)]
    [InlineData("""{"arguments": {"port": "Nantucket", "days": -2}, "name": "get_weather"}""")]
    [InlineData("""{"name":"get_weather","arguments":{}}""")]
    public void The_released_characters_are_exactly_the_arguments_text(string wrapper)
    {
        foreach (int piece in new[] { 1, 2, 5, wrapper.Length })
        {
            var (completions, releases, name) = Feed(wrapper, knownName: null, piece);
            Assert.Equal(1, completions);
            Assert.Equal("get_weather", name);
            Assert.Equal(RawArguments(wrapper), string.Concat(releases));
        }
    }

    [Fact]
    public void Arguments_stream_character_by_character_once_the_name_is_known()
    {
        string wrapper = """{"name": "add", "arguments": {"a": 12, "b": 7}}""";
        var (completions, releases, _) = Feed(wrapper, knownName: null, piece: 1);
        Assert.Equal(1, completions);
        Assert.Equal("""{"a": 12, "b": 7}""".Length, releases.Count); // one release per character of the arguments
    }

    [Fact]
    public void Arguments_before_an_unknown_name_are_held_until_the_name_is_complete()
    {
        string wrapper = """{"arguments": {"a": 1, "b": 2}, "name": "add"}""";
        var (_, releases, _) = Feed(wrapper, knownName: null, piece: 1);
        Assert.Equal(["""{"a": 1, "b": 2}"""], releases); // everything at once, when the name's closing quote arrives

        var (completions, known, name) = Feed(wrapper, knownName: "add", piece: 1);
        Assert.Equal(0, completions); // known before anything was generated
        Assert.Equal("add", name);
        Assert.True(known.Count > 1);
        Assert.Equal("""{"a": 1, "b": 2}""", string.Concat(known));
    }

    [Fact]
    public void An_escaped_name_is_decoded()
    {
        var (_, releases, name) = Feed("""{"name": "sh\u006fut", "arguments": {"word": "ahoy"}}""", knownName: null, piece: 3);
        Assert.Equal("shout", name);
        Assert.Equal("""{"word": "ahoy"}""", string.Concat(releases));
    }

    [Fact]
    public void A_call_cut_short_releases_only_what_was_generated_of_the_arguments()
    {
        var (_, releases, name) = Feed("""{"name": "add", "arguments": {"a": 4""", knownName: null, piece: 4);
        Assert.Equal("add", name);
        Assert.Equal("""{"a": 4""", string.Concat(releases));
    }
}
