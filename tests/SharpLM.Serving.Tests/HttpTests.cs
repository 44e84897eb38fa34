using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SharpLM.Serving.Tests;

/// <summary>The wire format itself, over real HTTP: what SDKs do not show (n, errors, SSE framing, disconnects, metrics).</summary>
[Collection("server")]
public class HttpTests(ServerFixture fixture)
{
    private HttpClient Client(string? key = ServerFixture.Key)
    {
        var client = new HttpClient { BaseAddress = fixture.Address, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private const string Chat = """{"model":"tiny","messages":[{"role":"user","content":"the whale"}],"max_tokens":10,"temperature":0}""";

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _));
        return error.Clone();
    }

    [Fact]
    public async Task Health_needs_no_key_and_every_other_route_does()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client(key: null).GetAsync("/health")).StatusCode);
        foreach (var (method, path) in new[] { ("GET", "/v1/models"), ("GET", "/metrics"), ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"), ("POST", "/v1/embeddings"), ("POST", "/tokenize") })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Json(Chat) : null };
            var error = await ErrorOf(await Client(key: null).SendAsync(request), HttpStatusCode.Unauthorized);
            Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await Client("sk-other").GetAsync("/v1/models")).StatusCode); // every key of the file works
    }

    [Fact]
    public async Task Bad_requests_get_openai_shaped_errors_naming_the_field()
    {
        var client = Client();
        var malformed = await ErrorOf(await client.PostAsync("/v1/chat/completions", Json("{\"messages\": [")), HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", malformed.GetProperty("message").GetString());

        var wrongType = await ErrorOf(await client.PostAsync("/v1/chat/completions", Json(Chat.Replace("\"temperature\":0", "\"temperature\":\"hot\""))), HttpStatusCode.BadRequest);
        Assert.Equal("temperature", wrongType.GetProperty("param").GetString());

        var outOfRange = await ErrorOf(await client.PostAsync("/v1/chat/completions", Json(Chat.Replace("\"max_tokens\":10", "\"max_tokens\":10,\"n\":99"))), HttpStatusCode.BadRequest);
        Assert.Equal("n", outOfRange.GetProperty("param").GetString());

        var role = await ErrorOf(await client.PostAsync("/v1/chat/completions", Json(Chat.Replace("\"user\"", "\"wizard\""))), HttpStatusCode.BadRequest);
        Assert.Equal("messages[0].role", role.GetProperty("param").GetString());

        var noTools = await ErrorOf(await client.PostAsync("/v1/chat/completions", Json(Chat.Replace("\"temperature\":0", "\"tool_choice\":\"required\""))), HttpStatusCode.BadRequest);
        Assert.Equal("tool_choice", noTools.GetProperty("param").GetString());

        const string Tools = """ "tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}},{"type":"function","function":{"name":"b","parameters":{"type":"object","properties":{"x":{"type":"string","pattern":"x+"}}}}}],"tool_choice":"required",""";
        var badSchema = await ErrorOf(await client.PostAsync("/v1/chat/completions", Json(Chat.Replace("\"model\":\"tiny\",", Tools))), HttpStatusCode.BadRequest);
        Assert.Equal("tools[1].function.parameters", badSchema.GetProperty("param").GetString());
        Assert.Contains("pattern", badSchema.GetProperty("message").GetString());

        var invalidUtf8 = new ByteArrayContent([.. Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}]}")]);
        invalidUtf8.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await ErrorOf(await client.PostAsync("/v1/chat/completions", invalidUtf8), HttpStatusCode.BadRequest);

        string longPrompt = string.Join(" ", Enumerable.Repeat("the whale", 1500));
        var tooLong = await ErrorOf(await client.PostAsync("/v1/completions", Json(JsonSerializer.Serialize(new { prompt = longPrompt }))), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", tooLong.GetProperty("code").GetString());

        var large = Client();
        large.DefaultRequestHeaders.ExpectContinue = true; // as curl does for large bodies: the server answers before the body is sent
        await ErrorOf(await large.PostAsync("/v1/completions", Json(JsonSerializer.Serialize(new { prompt = new string('x', 5 << 20) }))), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task N_choices_come_back_distinct_and_reproducible()
    {
        string body = """{"messages":[{"role":"user","content":"the whale"}],"max_tokens":12,"temperature":1.0,"n":3,"seed":11}""";
        async Task<string[]> Texts()
        {
            var response = await Client().PostAsync("/v1/chat/completions", Json(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()!).ToArray();
        }
        var first = await Texts();
        Assert.Equal(3, first.Length);
        Assert.True(first.Distinct().Count() > 1, string.Join(" | ", first));
        Assert.Equal(first, await Texts());
    }

    [Fact]
    public async Task Forced_tool_calls_of_several_choices_stream_interleaved_each_whole()
    {
        const string tools = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"port":{"type":"string","maxLength":10},"days":{"type":"integer"}},"required":["port","days"]}}},{"type":"function","function":{"name":"add","parameters":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]}}}]""";
        string Body(bool stream) => $$"""{"messages":[{"role":"user","content":"the whale"}],"tools":{{tools}},"tool_choice":"required","n":2,"temperature":1.0,"seed":5,"max_tokens":1000,"stream":{{(stream ? "true" : "false")}}}""";
        var whole = await Client().PostAsync("/v1/chat/completions", Json(Body(stream: false)));
        using var document = JsonDocument.Parse(await whole.Content.ReadAsStringAsync());
        var expected = document.RootElement.GetProperty("choices").EnumerateArray()
            .Select(c => c.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function")).ToArray();

        var streamed = await Client().PostAsync("/v1/chat/completions", Json(Body(stream: true)));
        var names = new[] { new List<string>(), new List<string>() };
        var arguments = new[] { new List<string>(), new List<string>() };
        var finishes = new string?[2];
        var order = new List<int>(); // which choice each argument delta belonged to
        foreach (string line in (await streamed.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                int index = choice.GetProperty("index").GetInt32();
                if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String) finishes[index] = choice.GetProperty("finish_reason").GetString();
                if (!choice.GetProperty("delta").TryGetProperty("tool_calls", out var calls)) continue;
                var call = Assert.Single(calls.EnumerateArray().ToList());
                Assert.Equal(0, call.GetProperty("index").GetInt32());
                var function = call.GetProperty("function");
                if (function.TryGetProperty("name", out var name))
                {
                    Assert.StartsWith("call_", call.GetProperty("id").GetString());
                    Assert.Equal("", function.GetProperty("arguments").GetString());
                    names[index].Add(name.GetString()!);
                }
                else
                {
                    arguments[index].Add(function.GetProperty("arguments").GetString()!);
                    order.Add(index);
                }
            }
        }
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal("tool_calls", finishes[i]);
            Assert.Equal([expected[i].GetProperty("name").GetString()!], names[i]);
            Assert.Equal(expected[i].GetProperty("arguments").GetString(), string.Concat(arguments[i]));
            Assert.True(arguments[i].Count > 1);
            using var parsed = JsonDocument.Parse(string.Concat(arguments[i]));
            Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
        }
        Assert.Contains(order.Zip(order.Skip(1)), pair => pair.First != pair.Second); // the two choices' deltas interleave
    }

    [Fact]
    public async Task Completions_report_log_probabilities_in_the_legacy_shape()
    {
        var response = await Client().PostAsync("/v1/completions", Json("""{"prompt":"the whale","max_tokens":6,"temperature":0,"logprobs":2}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = document.RootElement.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        Assert.Equal(tokens.Count, logprobs.GetProperty("token_logprobs").GetArrayLength());
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()).ToList();
        Assert.Equal(0, offsets[0]);
        for (int i = 1; i < offsets.Count; i++) Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
        Assert.All(logprobs.GetProperty("top_logprobs").EnumerateArray(), top => Assert.InRange(top.EnumerateObject().Count(), 1, 2));
        Assert.Equal("text_completion", document.RootElement.GetProperty("object").GetString());
    }

    [Fact]
    public async Task Concurrent_streams_each_get_what_they_would_alone()
    {
        string[] prompts = ["the whale", "Ahab watches the sea", "storm", "the ship sails on the calm sea and the mast"];
        string Body(string prompt) => JsonSerializer.Serialize(new { prompt, max_tokens = 14, temperature = 0 });
        async Task<string> Complete(string prompt)
        {
            var response = await Client().PostAsync("/v1/completions", Json(Body(prompt)));
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
        }
        var alone = new List<string>();
        foreach (string prompt in prompts) alone.Add(await Complete(prompt));
        var together = await Task.WhenAll(prompts.Select(Complete).Concat(prompts.Select(Complete)));
        Assert.Equal(alone.Concat(alone), together);
    }

    [Fact]
    public async Task A_streaming_client_that_disconnects_frees_its_slot()
    {
        var client = Client();
        // ignore_eos: nothing but the context (2,048 tokens) ends this stream, so it is still running when the client goes.
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json("""{"prompt":"the whale","max_tokens":100000,"temperature":1.0,"stream":true,"ignore_eos":true}"""),
        };
        var scheduler = fixture.Server.Scheduler!;
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            string? first = await reader.ReadLineAsync();
            Assert.StartsWith("data: {", first);
            Assert.Contains("\"text_completion\"", first); // generating now
            Assert.True(scheduler.BusySlots >= 1);
        } // the connection closes here, mid-stream
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (scheduler.BusySlots > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, scheduler.BusySlots);
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("sharplm_num_requests_running{model_name=\"tiny\"} 0", metrics);
        Assert.Contains("sharplm_time_to_first_token_seconds_bucket", metrics);
    }

    [Fact]
    public async Task A_repeated_prompt_is_served_from_the_slot_cache()
    {
        string body = """{"messages":[{"role":"system","content":"You are a sailor on a ship at sea."},{"role":"user","content":"the whale"}],"max_tokens":3,"temperature":0}""";
        await Client().PostAsync("/v1/chat/completions", Json(body));
        var response = await Client().PostAsync("/v1/chat/completions", Json(body));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = document.RootElement.GetProperty("usage");
        int prompt = usage.GetProperty("prompt_tokens").GetInt32();
        Assert.Equal(prompt - 1, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task Echo_scores_the_prompt_as_lm_eval_reads_it()
    {
        int[] prompt = ServerFixture.Tokenizer.Encode("the whale watches the ship").ToArray();
        // Exactly the request lm-eval's local-completions sends for a log-likelihood.
        string body = JsonSerializer.Serialize(new { model = "tiny", prompt = new[] { prompt }, temperature = 0, max_tokens = 1, logprobs = 1, seed = 1234, echo = true });
        var response = await Client().PostAsync("/v1/completions", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = document.RootElement.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokenLogprobs = logprobs.GetProperty("token_logprobs").EnumerateArray().ToList();
        Assert.Equal(prompt.Length + 1, tokenLogprobs.Count);
        Assert.Equal(JsonValueKind.Null, tokenLogprobs[0].ValueKind);
        Assert.StartsWith("the whale watches the ship", choice.GetProperty("text").GetString());

        // The reference: the engine's logits at every prompt position, log-softmaxed.
        var session = SharpLM.Inference.EngineModel.Load(fixture.ModelDirectory).NewSession(1);
        var logits = new float[prompt.Length * session.VocabularySize];
        session.Forward(prompt, logits);
        for (int i = 1; i < prompt.Length; i++)
        {
            var expected = SharpLM.Inference.Generation.TokenLogProbabilities.Compute(logits.AsSpan((i - 1) * session.VocabularySize, session.VocabularySize), prompt[i], 1);
            Assert.Equal(expected.Chosen.LogProbability, tokenLogprobs[i].GetDouble(), 1e-4);
            var top = logprobs.GetProperty("top_logprobs")[i].EnumerateObject().Single();
            Assert.Equal(expected.Top[0].LogProbability, top.Value.GetDouble(), 1e-4);
        }
    }
}
