using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SharpLM.Serving.Scheduling;

namespace SharpLM.Serving.Api;

/// <summary>POST /v1/completions: a text (or token-id) prompt continued by the scheduler, in the legacy completions shape.</summary>
public static class CompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, JsonFields fields, ServedModel model, Scheduler scheduler)
    {
        var prompt = ReadPrompt(fields, model);
        if (fields.Bool("echo") == true)
            throw RequestError.Invalid("echo", "'echo' is not supported yet: this server does not return prompt log-probabilities.");
        int? logprobs = (int?)fields.Integer("logprobs", 0, 20);
        // OpenAI's completions default to 16 tokens.
        var parameters = GenerationParameters.Read(fields, model, ["max_tokens"], defaultMaxTokens: 16, logprobs);
        var checkedPrompt = Prompts.Check(model, prompt, "prompt");

        var job = new GenerationJob(checkedPrompt, parameters.Choices, null, parameters.NewConstraint, context.RequestAborted);
        JobCollector.Submit(scheduler, job);
        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        if (parameters.Stream) await StreamAsync(context, job, model, parameters, id);
        else await RespondAsync(context, job, model, id);
    }

    /// <summary>A string, or an array of token ids; a list of several prompts is not supported (one request per prompt).</summary>
    private static IReadOnlyList<int> ReadPrompt(JsonFields fields, ServedModel model)
    {
        if (fields.Get("prompt") is not { } prompt) throw RequestError.Invalid("prompt", "'prompt' is required.");
        if (prompt.ValueKind == JsonValueKind.String) return model.Tokenizer.Encode(prompt.GetString()!);
        if (prompt.ValueKind == JsonValueKind.Array && prompt.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            var ids = prompt.EnumerateArray().Select(e => e.TryGetInt32(out int id) ? id : -1).ToList();
            foreach (int id in ids)
                if (id < 0 || id >= model.Tokenizer.VocabularySize)
                    throw RequestError.Invalid("prompt", $"'prompt' holds token id {id}, outside the vocabulary (0 to {model.Tokenizer.VocabularySize - 1}).");
            return ids;
        }
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String)
            return model.Tokenizer.Encode(prompt[0].GetString()!);
        throw RequestError.Invalid("prompt", "'prompt' must be a string, a one-element array of strings or an array of token ids (send one request per prompt).");
    }

    private static void Choice(Utf8JsonWriter w, int index, string text, ServedModel model, IReadOnlyList<Inference.Generation.TokenLogProbabilities>? logprobs,
        int textOffset, string? finish)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteNumber("index", index);
        if (logprobs is null) w.WriteNull("logprobs");
        else ResponseJson.CompletionLogProbabilities(w, model.Tokenizer, logprobs, textOffset);
        if (finish is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", finish);
        w.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter w, string id, long created, ServedModel model)
    {
        w.WriteString("id", id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model.Id);
    }

    private static async Task RespondAsync(HttpContext context, GenerationJob job, ServedModel model, string id)
    {
        var choices = await JobCollector.CollectAsync(job);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            Header(w, id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model);
            w.WriteStartArray("choices");
            for (int i = 0; i < choices.Length; i++)
                Choice(w, i, choices[i].Text.ToString(), model, job.Choices[i].LogProbabilities is null ? null : choices[i].LogProbabilities, 0,
                    JobCollector.FinishName(choices[i].Finish));
            w.WriteEndArray();
            ResponseJson.Usage(w, job.Prompt.Count, choices.Sum(c => c.Tokens.Count), job.CachedPromptTokens);
            w.WriteEndObject();
        }));
    }

    private static async Task StreamAsync(HttpContext context, GenerationJob job, ServedModel model, GenerationParameters parameters, string id)
    {
        var response = context.Response;
        var cancellation = context.RequestAborted;
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var offsets = new int[parameters.Choices.Count];
        int completionTokens = 0;
        ServerSentEvents.Start(response);
        await foreach (var update in job.Updates.ReadAllAsync(cancellation))
        {
            completionTokens += update.Tokens.Count;
            int offset = offsets[update.Index];
            offsets[update.Index] += update.Text.Length;
            await ServerSentEvents.WriteAsync(response, ResponseJson.Write(w =>
            {
                w.WriteStartObject();
                Header(w, id, created, model);
                w.WriteStartArray("choices");
                Choice(w, update.Index, update.Text, model, job.Choices[update.Index].LogProbabilities is null ? null : update.LogProbabilities, offset,
                    update.Finish is { } finish ? JobCollector.FinishName(finish) : null);
                w.WriteEndArray();
                if (parameters.IncludeUsage) w.WriteNull("usage");
                w.WriteEndObject();
            }), cancellation);
        }
        if (parameters.IncludeUsage)
            await ServerSentEvents.WriteAsync(response, ResponseJson.Write(w =>
            {
                w.WriteStartObject();
                Header(w, id, created, model);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                ResponseJson.Usage(w, job.Prompt.Count, completionTokens, job.CachedPromptTokens);
                w.WriteEndObject();
            }), cancellation);
        await ServerSentEvents.DoneAsync(response, cancellation);
    }
}
