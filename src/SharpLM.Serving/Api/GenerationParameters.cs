using SharpLM.Inference.Constraints;
using SharpLM.Inference.Generation;

namespace SharpLM.Serving.Api;

/// <summary>
/// The generation fields shared by /v1/chat/completions and /v1/completions, read once and checked, as the
/// generation core's options per choice. Fields beyond OpenAI's that llama-server and vLLM also take (top_k, min_p,
/// repetition_penalty, ignore_eos) are accepted.
/// </summary>
public sealed record GenerationParameters(
    IReadOnlyList<SamplingOptions> Choices, bool Stream, bool IncludeUsage, int? TopLogProbabilities, Func<ITokenConstraint>? NewConstraint)
{
    /// <param name="maxTokensFields">The fields that set the budget, in precedence order.</param>
    /// <param name="defaultMaxTokens">Budget when none is given (null: up to the model's context).</param>
    /// <param name="logProbabilities">The log-probability setting the endpoint read (null: none asked).</param>
    /// <param name="minTokens">The smallest budget accepted (completions accept 0, to score an echoed prompt only).</param>
    public static GenerationParameters Read(JsonFields fields, ServedModel model, string[] maxTokensFields, int? defaultMaxTokens,
        int? logProbabilities, int minTokens = 1)
    {
        int n = (int)(fields.Integer("n", 1, model.Slots) ?? 1);
        long seed = fields.Integer("seed", long.MinValue, long.MaxValue) ?? Random.Shared.NextInt64();
        int maxTokens = defaultMaxTokens ?? model.MaxContext;
        foreach (string field in maxTokensFields.Reverse())
            if (fields.Integer(field, minTokens, int.MaxValue) is long value) maxTokens = (int)Math.Min(value, int.MaxValue);
        var options = new SamplingOptions
        {
            Temperature = fields.Number("temperature", 0, 2) ?? 1.0,
            TopP = fields.Number("top_p", double.Epsilon, 1) ?? 1.0,
            TopK = (int)(fields.Integer("top_k", 0, int.MaxValue) ?? 0),
            MinP = fields.Number("min_p", 0, 0.999999) ?? 0,
            FrequencyPenalty = fields.Number("frequency_penalty", -2, 2) ?? 0,
            PresencePenalty = fields.Number("presence_penalty", -2, 2) ?? 0,
            RepetitionPenalty = fields.Number("repetition_penalty", double.Epsilon, 10) ?? 1.0,
            MaxNewTokens = maxTokens,
            StopSequences = fields.Strings("stop", 4),
            LogProbabilities = logProbabilities,
            StopAtEndOfText = !(fields.Bool("ignore_eos") ?? false), // vLLM's field: generate through end-of-text
        };
        var choices = Enumerable.Range(0, n).Select(i => options with { Seed = unchecked(seed + i) }).ToArray();
        bool stream = fields.Bool("stream") ?? false;
        bool includeUsage = false;
        if (fields.Get("stream_options") is { } streamOptions)
        {
            if (streamOptions.ValueKind != System.Text.Json.JsonValueKind.Object) throw RequestError.Invalid("stream_options", "'stream_options' must be an object.");
            includeUsage = new JsonFields(streamOptions).Bool("include_usage") ?? false;
        }
        var responseFormat = ReadResponseFormat(fields, model);
        var structured = StructuredOutputs.Read(fields, model);
        if (responseFormat is not null && structured is not null)
            throw RequestError.Invalid("structured_outputs", "'structured_outputs' cannot be combined with a 'response_format' other than text: give one constraint.");
        return new GenerationParameters(choices, stream, includeUsage, logProbabilities, responseFormat ?? structured);
    }

    /// <summary>response_format: "text", "json_object" (any object the JSON matcher allows) or "json_schema", enforced by the constrained decoder.</summary>
    private static Func<ITokenConstraint>? ReadResponseFormat(JsonFields fields, ServedModel model)
    {
        if (fields.Get("response_format") is not { } format) return null;
        if (format.ValueKind != System.Text.Json.JsonValueKind.Object) throw RequestError.Invalid("response_format", "'response_format' must be an object.");
        var formatFields = new JsonFields(format);
        string type = formatFields.String("type") ?? throw RequestError.Invalid("response_format.type", "'response_format.type' is required.");
        string? schemaText;
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                schemaText = null;
                break;
            case "json_schema":
                if (formatFields.Get("json_schema") is not { ValueKind: System.Text.Json.JsonValueKind.Object } jsonSchema)
                    throw RequestError.Invalid("response_format.json_schema", "'response_format.json_schema' must be an object with a 'schema'.");
                if (new JsonFields(jsonSchema).Get("schema") is not { } schema)
                    throw RequestError.Invalid("response_format.json_schema.schema", "'response_format.json_schema.schema' is required.");
                schemaText = schema.GetRawText();
                break;
            default:
                throw RequestError.Invalid("response_format.type", $"'response_format.type' must be text, json_object or json_schema (got '{type}').");
        }
        try
        {
            return ChatPrompt.JsonOutput(model, schemaText, "response_format.json_schema.schema");
        }
        catch (Core.SharpLMException e)
        {
            throw RequestError.Invalid("response_format.json_schema.schema", e.Message);
        }
    }
}
