using System.Text;
using System.Text.Json;
using SharpLM.Inference.Constraints;

namespace SharpLM.Serving.Api;

/// <summary>One function a request offers the model: name, description and the JSON Schema of its arguments.</summary>
public sealed record ToolFunction(string Name, string? Description, string ParametersJson);

/// <summary>A function call the model made: arguments as the JSON text OpenAI's API carries.</summary>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>
/// A chat request's <c>tools</c> and <c>tool_choice</c>. The functions are described to the model in a system
/// message, and calls and results are rendered in the Hermes/Qwen convention (&lt;tool_call&gt; and &lt;tool_response&gt;
/// blocks) in the ordinary roles of the chat template. With tool_choice "required" or a named function, the
/// constrained decoder forces the output to be {"name": ..., "arguments": ...} naming an offered function (the
/// named one) with arguments valid under its schema; with "auto" the model may answer in text or with such an object.
/// </summary>
public sealed class ToolCalls
{
    public enum Mode { None, Auto, Forced }

    public IReadOnlyList<ToolFunction> Functions { get; }
    public Mode Choice { get; }
    public Func<ITokenConstraint>? NewConstraint { get; }

    /// <summary>Under a forced choice that leaves one function (a named one, or "required" over one), its name: known before anything is generated.</summary>
    public string? ForcedName { get; }

    private ToolCalls(IReadOnlyList<ToolFunction> functions, Mode choice, Func<ITokenConstraint>? constraint, string? forcedName)
    {
        Functions = functions;
        Choice = choice;
        NewConstraint = constraint;
        ForcedName = forcedName;
    }

    public bool Active => Choice != Mode.None && Functions.Count > 0;

    public static ToolCalls Read(JsonFields fields, ServedModel model)
    {
        var functions = new List<ToolFunction>();
        if (fields.Get("tools") is { } tools)
        {
            if (tools.ValueKind != JsonValueKind.Array) throw RequestError.Invalid("tools", "'tools' must be an array.");
            int index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                string where = $"tools[{index++}]";
                var toolFields = tool.ValueKind == JsonValueKind.Object ? new JsonFields(tool) : throw RequestError.Invalid(where, $"'{where}' must be an object.");
                if (toolFields.String("type") != "function") throw RequestError.Invalid(where + ".type", $"'{where}.type' must be 'function'.");
                if (toolFields.Get("function") is not { ValueKind: JsonValueKind.Object } function)
                    throw RequestError.Invalid(where + ".function", $"'{where}.function' must be an object.");
                var functionFields = new JsonFields(function);
                string name = functionFields.String("name") ?? throw RequestError.Invalid(where + ".function.name", $"'{where}.function.name' is required.");
                if (functions.Any(f => f.Name == name)) throw RequestError.Invalid(where + ".function.name", $"function '{name}' is offered twice.");
                string parameters = functionFields.Get("parameters")?.GetRawText() ?? """{"type":"object"}""";
                functions.Add(new ToolFunction(name, functionFields.String("description"), parameters));
            }
        }
        var choice = functions.Count == 0 ? Mode.None : Mode.Auto;
        string? forced = null;
        if (fields.Get("tool_choice") is { } toolChoice)
        {
            if (toolChoice.ValueKind == JsonValueKind.String)
            {
                choice = toolChoice.GetString() switch
                {
                    "none" => Mode.None,
                    "auto" => Mode.Auto,
                    "required" => Mode.Forced,
                    var other => throw RequestError.Invalid("tool_choice", $"'tool_choice' must be none, auto, required or a function (got '{other}')."),
                };
            }
            else if (toolChoice.ValueKind == JsonValueKind.Object && new JsonFields(toolChoice).Get("function") is { ValueKind: JsonValueKind.Object } named)
            {
                forced = new JsonFields(named).String("name") ?? throw RequestError.Invalid("tool_choice.function.name", "'tool_choice.function.name' is required.");
                if (functions.All(f => f.Name != forced)) throw RequestError.Invalid("tool_choice.function.name", $"function '{forced}' is not among 'tools'.");
                choice = Mode.Forced;
            }
            else throw RequestError.Invalid("tool_choice", "'tool_choice' must be a string or {\"type\":\"function\",\"function\":{\"name\":...}}.");
        }
        if (choice == Mode.Forced && functions.Count == 0) throw RequestError.Invalid("tool_choice", "'tool_choice' required needs at least one function in 'tools'.");
        return Create(functions, choice, forced, model);
    }

    /// <summary>
    /// The offered functions under a choice (<paramref name="forced"/> names the one function a forced call must
    /// use; null under "required" lets it be any). A function whose schema is outside the supported subset is a 400
    /// naming it as tools[i].function.parameters.
    /// </summary>
    public static ToolCalls Create(IReadOnlyList<ToolFunction> functions, Mode choice, string? forced, ServedModel model)
    {
        Func<ITokenConstraint>? constraint = null;
        if (choice == Mode.Forced)
        {
            // A named function, or under "required" any offered one: {"name": <const>, "arguments": <its schema>}, one
            // alternative per function. Each is parsed alone first, so a bad schema is reported against its own tool.
            var calls = new List<string>();
            for (int index = 0; index < functions.Count; index++)
            {
                var function = functions[index];
                if (forced is not null && function.Name != forced) continue;
                string where = $"tools[{index}].function.parameters";
                string call = $$"""{"type":"object","properties":{"name":{"const":{{JsonSerializer.Serialize(function.Name)}}},"arguments":{{function.ParametersJson}}},"required":["name","arguments"]}""";
                try
                {
                    Inference.Constraints.Json.JsonSchemaParser.Parse(call, where);
                }
                catch (Core.SharpLMException e)
                {
                    throw RequestError.Invalid(where, e.Message);
                }
                calls.Add(call);
            }
            constraint = ChatPrompt.JsonOutput(model, calls.Count == 1 ? calls[0] : $$"""{"anyOf":[{{string.Join(',', calls)}}]}""", "tools");
        }
        string? forcedName = choice != Mode.Forced ? null : forced ?? (functions.Count == 1 ? functions[0].Name : null);
        return new ToolCalls(functions, choice, constraint, forcedName);
    }

    /// <summary>The functions described in the system message: the first one if the conversation opens with one, otherwise a new one.</summary>
    public void AddDescription(List<Tokenizers.Chat.ChatMessage> messages)
    {
        if (!Active) return;
        if (messages.Count > 0 && messages[0].Role == Tokenizers.Chat.ChatMessage.System) messages[0] = messages[0] with { Content = messages[0].Content + "\n\n" + Describe() };
        else messages.Insert(0, new Tokenizers.Chat.ChatMessage(Tokenizers.Chat.ChatMessage.System, Describe()));
    }

    /// <summary>The system text that describes the functions and how to call one.</summary>
    public string Describe()
    {
        var text = new StringBuilder("You may call these functions. To call one, answer with only a JSON object {\"name\": <function name>, \"arguments\": <arguments object>}.\n");
        foreach (var f in Functions)
            text.Append("- ").Append(f.Name).Append(f.Description is null ? "" : ": " + f.Description).Append(" Arguments schema: ").Append(f.ParametersJson).Append('\n');
        return text.ToString();
    }

    /// <summary>The call in a finished output, when it is one: forced output always is; under "auto" text that parses as a call to an offered function.</summary>
    public ToolCall? Parse(string output)
    {
        if (!Active) return null;
        string text = output.Trim();
        if (text.StartsWith("<tool_call>", StringComparison.Ordinal) && text.EndsWith("</tool_call>", StringComparison.Ordinal))
            text = text["<tool_call>".Length..^"</tool_call>".Length].Trim();
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("arguments", out var arguments) || arguments.ValueKind != JsonValueKind.Object
                || Functions.All(f => f.Name != name.GetString()))
                return null;
            return new ToolCall(NewId(), name.GetString()!, arguments.GetRawText());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A new call's id, in OpenAI's form.</summary>
    public static string NewId() => "call_" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>An assistant turn's calls as the model would have written them.</summary>
    public static string RenderCalls(IEnumerable<(string Name, string Arguments)> calls) =>
        string.Concat(calls.Select(c => $"<tool_call>\n{{\"name\": {JsonSerializer.Serialize(c.Name)}, \"arguments\": {c.Arguments}}}\n</tool_call>"));

    /// <summary>A tool's result as the model reads it.</summary>
    public static string RenderResult(string content) => $"<tool_response>\n{content}\n</tool_response>";
}
