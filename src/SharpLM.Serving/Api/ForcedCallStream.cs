using System.Text;
using System.Text.Json;

namespace SharpLM.Serving.Api;

/// <summary>
/// Reads a forced call's text as it is generated, so its arguments can be streamed as OpenAI streams them. The
/// constrained decoder makes the text a JSON object <c>{"name": ..., "arguments": {...}}</c> whose two keys may come
/// in either order, with bounded whitespace between tokens. The scanner follows that wrapper character by
/// character: the characters of the arguments object (from its opening to its matching closing brace, exactly the
/// text the finished call's arguments hold) are released as they arrive; everything else (the opening brace, the
/// keys, the name, the separators and the wrapper's closing brace) is never released. Arguments generated before
/// the name is complete are held until it is, because the first delta of a call must carry its name.
/// </summary>
internal sealed class ForcedCallStream
{
    private enum Capture { None, Key, Name, Arguments }

    private readonly StringBuilder _held = new();
    private readonly StringBuilder _string = new();
    private Capture _capture;
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private string? _key;
    private bool _afterColon;

    /// <param name="knownName">The function's name when only one can be called (a named choice, or "required" over one function).</param>
    public ForcedCallStream(string? knownName) => Name = knownName;

    /// <summary>The called function, once known: at once when only one can be called, otherwise when its name has been generated.</summary>
    public string? Name { get; private set; }

    /// <summary>What a piece of generated text releases: whether it completed the name, and the arguments' characters it made sendable.</summary>
    public readonly record struct Step(bool NameCompleted, string Arguments);

    public Step Push(string text)
    {
        bool hadName = Name is not null;
        foreach (char c in text) Read(c);
        string arguments = "";
        if (Name is not null && _held.Length > 0)
        {
            arguments = _held.ToString();
            _held.Clear();
        }
        return new Step(!hadName && Name is not null, arguments);
    }

    private void Read(char c)
    {
        if (_capture == Capture.Arguments)
        {
            _held.Append(c);
            if (!TrackNested(c) && _depth == 1) _capture = Capture.None;
            return;
        }
        if (_depth > 1)
        {
            TrackNested(c); // a value other than the arguments (the schema admits none): followed, never released
            return;
        }
        if (_inString)
        {
            _string.Append(c);
            if (_escaped) _escaped = false;
            else if (c == '\\') _escaped = true;
            else if (c == '"') EndString();
            return;
        }
        switch (c)
        {
            case '{' when _depth == 0:
                _depth = 1;
                break;
            case '"' when _depth == 1:
                _inString = true;
                _capture = _afterColon && _key == "name" ? Capture.Name : _afterColon ? Capture.None : Capture.Key;
                _string.Clear().Append(c);
                break;
            case ':':
                _afterColon = true;
                break;
            case ',':
                _afterColon = false;
                break;
            case '{' or '[' when _depth == 1:
                _depth++;
                if (_afterColon && _key == "arguments" && c == '{')
                {
                    _capture = Capture.Arguments;
                    _held.Append(c);
                }
                break;
            case '}' when _depth == 1:
                _depth = 0;
                break;
        }
    }

    /// <summary>Follows strings and brackets inside a value; false when the character closed a bracket.</summary>
    private bool TrackNested(char c)
    {
        if (_inString)
        {
            if (_escaped) _escaped = false;
            else if (c == '\\') _escaped = true;
            else if (c == '"') _inString = false;
            return true;
        }
        switch (c)
        {
            case '"':
                _inString = true;
                return true;
            case '{' or '[':
                _depth++;
                return true;
            case '}' or ']':
                _depth--;
                return false;
            default:
                return true;
        }
    }

    private void EndString()
    {
        _inString = false;
        string value = JsonSerializer.Deserialize<string>(_string.ToString())!;
        if (_capture == Capture.Key) _key = value;
        else if (_capture == Capture.Name) Name ??= value;
        _capture = Capture.None;
    }
}
