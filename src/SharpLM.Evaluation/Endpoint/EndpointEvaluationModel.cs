using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Endpoint;

/// <summary>
/// Any OpenAI-compatible server as an evaluation model, the way lm-eval's local-completions uses one: log-likelihoods
/// come from /v1/completions with echo and logprobs (the prompt's own token log-probabilities), generation from
/// /v1/completions with stop and max_tokens. When the server offers /tokenize, prompts go as token ids split exactly
/// as the engine splits them; otherwise as text, split at the continuation's character offset. With chat on, generation
/// goes through /v1/chat/completions instead (lm-eval's local-chat-completions): the context is one user message, which
/// the server renders with its chat template. Requests may come from several threads at once.
/// </summary>
public sealed class EndpointEvaluationModel : IEvaluationModel
{
    private const string EndOfText = "<|endoftext|>";
    private readonly EndpointClient _client;
    private readonly int _maxLength;
    private readonly bool _tokenized;
    private readonly bool _chat;
    private int? _endOfText;

    /// <param name="maxLength">Tokens one request may hold (lm-eval's max_length): rolling windows and cut prompts use it.</param>
    /// <param name="chat">Generate through /v1/chat/completions (log-likelihoods still use /v1/completions).</param>
    public EndpointEvaluationModel(EndpointClient client, string? modelName, int maxLength, bool chat = false)
    {
        _client = client;
        _maxLength = maxLength;
        _chat = chat;
        Name = modelName ?? FirstModel();
        _tokenized = _client.TryPost("tokenize", new JsonObject { ["content"] = "a" })?["tokens"] is JsonArray;
    }

    public string Name { get; }

    /// <summary>Whether prompts go as token ids (the server tokenizes) rather than text.</summary>
    public bool SendsTokens => _tokenized;

    private string FirstModel() =>
        _client.TryGet("v1/models")?["data"] is JsonArray { Count: > 0 } data && data[0] is JsonObject first && first["id"] is JsonValue id
            ? id.ToString()
            : throw new SharpLMException($"the endpoint {_client.Address} lists no model at /v1/models; name one with --model-name.");

    public LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request)
    {
        // lm-eval's _encode_pair: the context's trailing whitespace belongs to the continuation.
        string context = request.Context, continuation = request.Continuation;
        int spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        if (!_tokenized) return ScoreText(context.Length == 0 ? EndOfText : context, continuation);
        var contextTokens = context.Length == 0 ? [] : Tokenize(context);
        List<int> continuationTokens;
        if (contextTokens.Count == 0)
        {
            contextTokens = [StartToken()];
            continuationTokens = Tokenize(context + continuation);
        }
        else
        {
            var whole = Tokenize(context + continuation);
            continuationTokens = whole.GetRange(contextTokens.Count, whole.Count - contextTokens.Count);
        }
        return ScoreTokens(contextTokens, continuationTokens);
    }

    /// <summary>lm-eval's rolling windows, the first after end-of-text; as text, the whole text in one request.</summary>
    public double LoglikelihoodRolling(string text)
    {
        if (!_tokenized) return ScoreText(EndOfText, text).LogLikelihood;
        var tokens = Tokenize(text);
        // An echoed prompt holds the last predicted token too, so a request of maxLength tokens predicts maxLength - 1:
        // the windows the engine makes for a context of maxLength - 1.
        return Scoring.RollingWindows.Split(tokens, _maxLength - 1, StartToken()).Sum(w => ScoreTokens(w.Context, w.Continuation).LogLikelihood);
    }

    /// <summary>Whether generation goes through /v1/chat/completions.</summary>
    public bool Chat => _chat;

    public string Generate(GenerationRequest request)
    {
        var body = new JsonObject
        {
            ["model"] = Name,
            ["max_tokens"] = request.MaxTokens,
            ["temperature"] = request.DoSample ? request.Temperature : 0,
            ["seed"] = 1234,
        };
        if (_chat) body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = request.Context });
        else if (_tokenized)
        {
            var prompt = Tokenize(request.Context);
            int keep = Math.Max(1, _maxLength - request.MaxTokens);
            if (prompt.Count > keep) prompt = prompt.GetRange(prompt.Count - keep, keep); // lm-eval keeps the end of the prompt
            body["prompt"] = new JsonArray(prompt.Select(t => (JsonNode?)t).ToArray());
        }
        else body["prompt"] = request.Context;
        var stops = request.Until.Where(s => s.Length > 0).ToList();
        if (stops.Count > 0) body["stop"] = new JsonArray(stops.Take(4).Select(s => (JsonNode?)s).ToArray()); // OpenAI accepts at most four
        string route = _chat ? "v1/chat/completions" : "v1/completions";
        var answer = _client.Post(route, body);
        var choice = FirstChoice(answer);
        string text = (_chat ? choice?["message"]?["content"] : choice?["text"]) is JsonValue value && value.TryGetValue(out string? generated)
            ? generated
            : throw new SharpLMException($"the endpoint {_client.Address} answered /{route} without choices[0].{(_chat ? "message.content" : "text")}.");
        foreach (string stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        return text;
    }

    private List<int> Tokenize(string text) =>
        _client.Post("tokenize", new JsonObject { ["content"] = text })["tokens"] is JsonArray tokens
            ? tokens.Select(t => t is JsonValue v && v.TryGetValue(out int id) ? id
                : throw new SharpLMException($"the endpoint {_client.Address} answered /tokenize with '{t}' among the token ids.")).ToList()
            : throw new SharpLMException($"the endpoint {_client.Address} answered /tokenize without a 'tokens' array.");

    /// <summary>The server's end-of-text id: its tokenizer turns the special token's text into one id.</summary>
    private int StartToken()
    {
        if (_endOfText is int known) return known;
        var tokens = Tokenize(EndOfText);
        if (tokens.Count != 1)
            throw new SharpLMException($"the endpoint {_client.Address} has no {EndOfText} token, which scoring a text from its start needs.");
        return (_endOfText = tokens[0]).Value;
    }

    /// <summary>
    /// Scores the continuation's tokens after the context: the last <c>maxLength</c> tokens of both go as the prompt,
    /// and the entries from the context's end to the prompt's end are the continuation's.
    /// </summary>
    private LoglikelihoodResult ScoreTokens(List<int> context, List<int> continuation)
    {
        if (continuation.Count == 0) return new LoglikelihoodResult(0, true);
        var input = context.Concat(continuation).ToList();
        int cut = Math.Max(0, input.Count - _maxLength);
        input = input.GetRange(cut, input.Count - cut);
        int start = context.Count - cut;
        if (start < 1) throw new SharpLMException($"a continuation of {continuation.Count} tokens does not fit --max-length {_maxLength}.");
        var logprobs = Complete(new JsonArray(input.Select(t => (JsonNode?)t).ToArray()));
        return Sum(logprobs, start, input.Count);
    }

    /// <summary>Text prompts: the continuation's tokens are those that end past the context's characters.</summary>
    private LoglikelihoodResult ScoreText(string context, string continuation)
    {
        if (continuation.Length == 0) return new LoglikelihoodResult(0, true);
        string prompt = context + continuation;
        var logprobs = Complete(prompt);
        var offsets = logprobs["text_offset"] as JsonArray;
        var tokens = logprobs["tokens"] as JsonArray;
        if (offsets is null || tokens is null)
            throw NoPromptLogprobs("its logprobs have no tokens and text_offset to split the prompt by");
        int start = -1, end = offsets.Count;
        for (int i = 0; i < offsets.Count; i++)
        {
            if (offsets[i] is not JsonValue o || !o.TryGetValue(out int offset) || tokens[i] is not JsonValue t || !t.TryGetValue(out string? token))
                throw NoPromptLogprobs($"its text_offset[{i}] or tokens[{i}] is not a number and a string");
            if (offset >= prompt.Length)
            {
                end = i;
                break;
            }
            if (start < 0 && offset + token.Length > context.Length) start = i;
        }
        if (start < 1) throw NoPromptLogprobs("its text_offset does not place the continuation after the context");
        return Sum(logprobs, start, end);
    }

    private JsonObject Complete(JsonNode prompt)
    {
        var body = new JsonObject
        {
            ["model"] = Name, ["prompt"] = prompt, ["max_tokens"] = 1, ["temperature"] = 0, ["logprobs"] = 1, ["echo"] = true, ["seed"] = 1234,
        };
        var answer = _client.Post("v1/completions", body, message => NoPromptLogprobs($"it refused echo with logprobs ({message})"));
        return FirstChoice(answer)?["logprobs"] is JsonObject logprobs && logprobs["token_logprobs"] is JsonArray
            ? logprobs
            : throw NoPromptLogprobs("its answer has no choices[0].logprobs.token_logprobs");
    }

    /// <summary>lm-eval's parse_logprobs: the sum of token_logprobs[start..end), greedy when each equals the largest of its top_logprobs.</summary>
    private LoglikelihoodResult Sum(JsonObject logprobs, int start, int end)
    {
        var values = (JsonArray)logprobs["token_logprobs"]!;
        var tops = logprobs["top_logprobs"] as JsonArray;
        if (values.Count < end) throw NoPromptLogprobs("its token_logprobs are shorter than the prompt");
        double sum = 0;
        bool greedy = true;
        for (int i = start; i < end; i++)
        {
            double value = values[i] is JsonValue v && v.TryGetValue(out double d) ? d : throw NoPromptLogprobs($"its token_logprobs[{i}] is not a number");
            sum += value;
            if (tops?[i] is JsonObject top)
                foreach (var (_, other) in top)
                    if (other is JsonValue o && o.TryGetValue(out double alternative) && alternative > value) greedy = false;
        }
        return new LoglikelihoodResult(sum, greedy);
    }

    /// <summary>The choice with index 0 (lm-eval sorts choices by index), or the first.</summary>
    private static JsonObject? FirstChoice(JsonObject answer) =>
        answer["choices"] is JsonArray { Count: > 0 } choices ? choices.OfType<JsonObject>().FirstOrDefault(c => c["index"]?.ToString() == "0") ?? choices[0] as JsonObject : null;

    private SharpLMException NoPromptLogprobs(string why) =>
        new($"the endpoint {_client.Address} cannot return prompt log-probabilities (echo with logprobs), which log-likelihood tasks need: {why}.");
}
