using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SharpLM.Feedback.Capture;
using SharpLM.Serving.Capture;
using SharpLM.Serving.Guardrails;
using SharpLM.Serving.Scheduling;

namespace SharpLM.Serving.Api;

/// <summary>POST /v1/completions: a text (or token-id) prompt continued by the scheduler, in the legacy completions shape.</summary>
public static class CompletionsEndpoint
{
    /// <param name="guardrails">The deployment's guardrail policy, or null when it runs none.</param>
    /// <param name="capture">The capture database's writer, or null when the server stores nothing.</param>
    public static async Task HandleAsync(HttpContext context, JsonFields fields, ServedModel model, Scheduler scheduler,
        ServingGuardrails? guardrails = null, ExchangeCapture? capture = null)
    {
        var prompt = ReadPrompt(fields, model);
        bool echo = fields.Bool("echo") ?? false;
        int? logprobs = (int?)fields.Integer("logprobs", 0, 20);
        // OpenAI's completions default to 16 tokens; 0 is allowed, to score an echoed prompt only (as lm-eval does).
        var parameters = GenerationParameters.Read(fields, model, ["max_tokens"], defaultMaxTokens: 16, logprobs, minTokens: 0);
        var checkedPrompt = Prompts.Check(model, prompt, "prompt");
        string promptText = model.Tokenizer.Decode(checkedPrompt);
        if (guardrails is not null && logprobs is not null && parameters.Stream && guardrails.ChecksOutput)
            throw RequestError.Invalid("logprobs", "'logprobs' cannot be streamed through this server's output guardrails, which hold text back: ask without 'stream'.");
        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        var ticket = capture?.Begin(context, fields, id);
        // A completion prompt is captured as one user message (token ids decoded), its continuations as assistant messages.
        CapturedMessage[] request = [new CapturedMessage("user", promptText)];
        if (guardrails is not null && guardrails.BlocksInput([promptText]))
        {
            await RefuseAsync(context, model, parameters, id, checkedPrompt.Count, guardrails.Refusal);
            if (ticket is not null)
                capture!.Record(ticket, "completions", model.Id, request,
                    parameters.Choices.Select(_ => new CapturedChoice(guardrails.Refusal, ServingGuardrails.ContentFilter)).ToArray(), checkedPrompt.Count, 0);
            return;
        }

        // With echo and logprobs, the prompt's tokens are scored too: lm-eval's local-completions reads their log-likelihood this way.
        // Disposed on every way out of the request, so its slots are freed however the request ends.
        using var job = new GenerationJob(checkedPrompt, parameters.Choices, null, parameters.NewConstraint, context.RequestAborted,
            echo && logprobs is not null ? logprobs : null);
        JobCollector.Submit(context, scheduler, job);
        var echoed = echo ? new Echo(promptText, checkedPrompt) : null;
        var output = guardrails is { ChecksOutput: true } ? (guardrails, promptText) : default((ServingGuardrails, string)?);
        CapturedChoice[] answers;
        int completionTokens;
        if (parameters.Stream)
        {
            bool allStopped;
            (answers, completionTokens, allStopped) = await StreamAsync(context, job, model, parameters, id, echoed, output);
            if (allStopped) job.Cancel(); // a stream whose every choice the output guardrails stopped frees its slots
        }
        else (answers, completionTokens) = await RespondAsync(context, job, model, id, echoed, output);
        // What the client was sent is what is kept: redacted or refused answers never reach the capture database unredacted.
        if (ticket is not null) capture!.Record(ticket, "completions", model.Id, request, answers, job.Prompt.Count, completionTokens);
    }

    /// <summary>An input the guardrails blocked: every choice is the refusal, finished with "content_filter".</summary>
    private static async Task RefuseAsync(HttpContext context, ServedModel model, GenerationParameters parameters, string id, int promptTokens, string refusal)
    {
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Body(bool usage) => ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            Header(w, id, created, model);
            w.WriteStartArray("choices");
            for (int i = 0; i < parameters.Choices.Count; i++) Choice(w, i, refusal, model, false, [], [], 0, ServingGuardrails.ContentFilter);
            w.WriteEndArray();
            if (usage) ResponseJson.Usage(w, promptTokens, 0, 0);
            else if (parameters.IncludeUsage) w.WriteNull("usage");
            w.WriteEndObject();
        });
        if (!parameters.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Body(usage: true));
            return;
        }
        ServerSentEvents.Start(context.Response);
        await ServerSentEvents.WriteAsync(context.Response, Body(usage: false), context.RequestAborted);
        if (parameters.IncludeUsage)
            await ServerSentEvents.WriteAsync(context.Response, ResponseJson.UsageChunk(id, "text_completion", created, model.Id, promptTokens, 0, 0), context.RequestAborted);
        await ServerSentEvents.DoneAsync(context.Response, context.RequestAborted);
    }

    /// <summary>
    /// A string or an array of token ids, or a one-element list of either (lm-eval sends [[ids]]); a list of several
    /// prompts is not supported (one request per prompt).
    /// </summary>
    private static IReadOnlyList<int> ReadPrompt(JsonFields fields, ServedModel model)
    {
        if (fields.Get("prompt") is not { } prompt) throw RequestError.Invalid("prompt", "'prompt' is required.");
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind is JsonValueKind.Array or JsonValueKind.String)
            prompt = prompt[0];
        if (prompt.ValueKind == JsonValueKind.String) return model.Tokenizer.Encode(prompt.GetString()!);
        if (prompt.ValueKind == JsonValueKind.Array && prompt.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            var ids = prompt.EnumerateArray().Select(e => e.TryGetInt32(out int id) ? id : -1).ToList();
            foreach (int id in ids)
                if (id < 0 || id >= model.Tokenizer.VocabularySize)
                    throw RequestError.Invalid("prompt", $"'prompt' holds token id {id}, outside the vocabulary (0 to {model.Tokenizer.VocabularySize - 1}).");
            return ids;
        }
        throw RequestError.Invalid("prompt", "'prompt' must be a string, a one-element array of strings or an array of token ids (send one request per prompt).");
    }

    /// <summary>Log-probabilities of an echoed prompt (null entries when it was not scored) followed by the generated tokens'.</summary>
    private static List<Inference.Generation.TokenLogProbabilities?> Entries(IReadOnlyList<Inference.Generation.TokenLogProbabilities?>? prompt, int promptTokens,
        IReadOnlyList<Inference.Generation.TokenLogProbabilities> generated)
    {
        var entries = new List<Inference.Generation.TokenLogProbabilities?>(prompt ?? Enumerable.Repeat<Inference.Generation.TokenLogProbabilities?>(null, promptTokens));
        entries.AddRange(generated);
        return entries;
    }

    /// <summary>The prompt as echoed before the completion: its text and tokens.</summary>
    private sealed record Echo(string Text, IReadOnlyList<int> Tokens);

    /// <summary>A choice: its text, and (when asked) log-probabilities of its tokens, the echoed prompt's first.</summary>
    private static void Choice(Utf8JsonWriter w, int index, string text, ServedModel model, bool logprobs, IReadOnlyList<int> tokens,
        IReadOnlyList<Inference.Generation.TokenLogProbabilities?> entries, int textOffset, string? finish)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteNumber("index", index);
        if (!logprobs) w.WriteNull("logprobs");
        else ResponseJson.CompletionLogProbabilities(w, model.Tokenizer, tokens, entries, textOffset);
        if (finish is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", finish);
        w.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter w, string id, long created, ServedModel model) => ResponseJson.Header(w, id, "text_completion", created, model.Id);

    private static async Task<(CapturedChoice[] Answers, int CompletionTokens)> RespondAsync(HttpContext context, GenerationJob job, ServedModel model, string id,
        Echo? echo, (ServingGuardrails Policy, string Prompt)? output)
    {
        var choices = await JobCollector.CollectAsync(job);
        var answers = new CapturedChoice[choices.Length];
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            Header(w, id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model);
            w.WriteStartArray("choices");
            for (int i = 0; i < choices.Length; i++)
            {
                var c = choices[i];
                var tokens = echo is null ? c.Tokens : [.. echo.Tokens, .. c.Tokens];
                var entries = Entries(echo is null ? null : c.PromptLogProbabilities, echo?.Tokens.Count ?? 0, c.LogProbabilities);
                string text = c.Text.ToString();
                string? passed = output is { } guard ? guard.Policy.CheckOutput(guard.Prompt, text) : text;
                // The tokens of a redacted or blocked answer would give its text away, so their log-probabilities are left out.
                answers[i] = new CapturedChoice(passed ?? output!.Value.Policy.Refusal, passed is null ? ServingGuardrails.ContentFilter : JobCollector.FinishName(c.Finish));
                Choice(w, i, (echo?.Text ?? "") + answers[i].Text, model, job.Choices[i].LogProbabilities is not null && passed == text, tokens, entries, 0, answers[i].FinishReason);
            }
            w.WriteEndArray();
            ResponseJson.Usage(w, job.Prompt.Count, choices.Sum(c => c.Tokens.Count), job.CachedPromptTokens);
            w.WriteEndObject();
        }));
        return (answers, choices.Sum(c => c.Tokens.Count));
    }

    /// <returns>What each choice sent, the tokens generated, and whether the guardrails stopped every choice before it finished.</returns>
    private static async Task<(CapturedChoice[] Answers, int CompletionTokens, bool AllStopped)> StreamAsync(HttpContext context, GenerationJob job, ServedModel model, GenerationParameters parameters, string id, Echo? echo,
        (ServingGuardrails Policy, string Prompt)? output)
    {
        var guarded = output is { } g ? parameters.Choices.Select(_ => g.Policy.NewStream(g.Prompt)!).ToArray() : null;
        var stopped = new bool[parameters.Choices.Count];
        var sent = parameters.Choices.Select(_ => new System.Text.StringBuilder()).ToArray();
        var finishes = new string[parameters.Choices.Count];
        var response = context.Response;
        var cancellation = context.RequestAborted;
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var offsets = new int[parameters.Choices.Count];
        var started = new bool[parameters.Choices.Count];
        int completionTokens = 0;
        ServerSentEvents.Start(response);
        await foreach (var update in job.Updates.ReadAllAsync(cancellation))
        {
            if (stopped[update.Index]) continue;
            completionTokens += update.Tokens.Count;
            // The echoed prompt leads each choice's first chunk.
            bool first = echo is not null && offsets[update.Index] == 0 && !started[update.Index];
            started[update.Index] = true;
            string generated = update.Text;
            string? finishName = update.Finish is { } finish ? JobCollector.FinishName(finish) : null;
            if (guarded?[update.Index] is { } guard)
            {
                var step = guard.Push(update.Text);
                if (!step.Blocked && update.Finish is not null) step = guard.Finish() is var last && last.Blocked ? last : new(step.Release + last.Release, false);
                (generated, finishName, stopped[update.Index]) = step.Blocked ? (output!.Value.Policy.Refusal, ServingGuardrails.ContentFilter, true) : (step.Release, finishName, false);
                if (generated.Length == 0 && finishName is null && !first) continue;
            }
            sent[update.Index].Append(generated);
            if (finishName is not null) finishes[update.Index] = finishName;
            string text = (first ? echo!.Text : "") + generated;
            var tokens = first ? [.. echo!.Tokens, .. update.Tokens] : update.Tokens;
            var entries = Entries(first ? update.PromptLogProbabilities : null, first ? echo!.Tokens.Count : 0, update.LogProbabilities);
            int offset = offsets[update.Index];
            offsets[update.Index] += text.Length;
            await ServerSentEvents.WriteAsync(response, ResponseJson.Write(w =>
            {
                w.WriteStartObject();
                Header(w, id, created, model);
                w.WriteStartArray("choices");
                Choice(w, update.Index, text, model, job.Choices[update.Index].LogProbabilities is not null, tokens, entries, offset, finishName);
                w.WriteEndArray();
                if (parameters.IncludeUsage) w.WriteNull("usage");
                w.WriteEndObject();
            }), cancellation);
            if (stopped.All(s => s)) break;
        }
        if (parameters.IncludeUsage)
            await ServerSentEvents.WriteAsync(response, ResponseJson.UsageChunk(id, "text_completion", created, model.Id,
                job.Prompt.Count, completionTokens, job.CachedPromptTokens), cancellation);
        await ServerSentEvents.DoneAsync(response, cancellation);
        return (sent.Select((t, i) => new CapturedChoice(t.ToString(), finishes[i] ?? "length")).ToArray(), completionTokens, stopped.All(s => s));
    }
}
