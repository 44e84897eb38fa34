using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SharpLM.Feedback.Capture;
using SharpLM.Serving;
using SharpLM.Serving.Security;

namespace SharpLM.Feedback.Tests;

/// <summary>One server started with --capture on loopback, and one without.</summary>
public sealed class CaptureServers : IAsyncLifetime
{
    public string Database { get; } = CaptureDatabase.NewPath();
    public SharpLMServer Capturing { get; private set; } = null!;
    public SharpLMServer Plain { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Capturing = await TinyServer.StartAsync(Database);
        Plain = await TinyServer.StartAsync(capture: null);
    }

    public async Task DisposeAsync()
    {
        await Capturing.DisposeAsync();
        await Plain.DisposeAsync();
    }
}

/// <summary>Capture and feedback over real HTTP, checked by reading the SQLite file the server wrote.</summary>
public sealed class CaptureHttpTests(CaptureServers servers) : IClassFixture<CaptureServers>
{
    private const string Email = "jane.doe@example.com";
    private const string Phone = "+44 20 7946 0958";
    private const string PlantedKey = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx12345678";
    private const string PublicIp = "93.184.216.34";
    private static readonly string Planted = $"mail {Email} or call {Phone}, my key is {PlantedKey} from {PublicIp}";

    private static HttpClient Client(SharpLMServer server, string? key = TinyServer.Key)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> Error(HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("error").Clone();
    }

    private static object Rating(string conversation, string user = "rater") => new
    {
        kind = "rating", conversation_id = conversation, message_id = "chatcmpl-x", model = "tiny",
        prompt = new[] { new { role = "user", content = "the whale" } }, response = "the sea", rating = -1, correction = "the ship", user,
    };

    [Fact]
    public async Task Planted_personal_data_and_keys_never_reach_the_capture_file()
    {
        var client = Client(servers.Capturing);
        var messages = new[] { new { role = "system", content = "You help. " + Planted }, new { role = "user", content = "the whale " + Planted } };
        await Ok(await client.PostAsync("/v1/chat/completions", Json(new { messages, max_tokens = 6, temperature = 0, user = Email })));
        var streamed = await client.PostAsync("/v1/chat/completions", Json(new { messages, max_tokens = 6, temperature = 0, stream = true }));
        Assert.Contains("[DONE]", await streamed.Content.ReadAsStringAsync());
        await Ok(await client.PostAsync("/v1/completions", Json(new { prompt = "the whale " + Planted, max_tokens = 4, temperature = 0 })));
        var streamedCompletion = await client.PostAsync("/v1/completions", Json(new { prompt = "the whale " + Planted, max_tokens = 4, temperature = 0, stream = true }));
        Assert.Contains("[DONE]", await streamedCompletion.Content.ReadAsStringAsync());
        await Ok(await client.PostAsync("/v1/feedback", Json(new
        {
            kind = "rating", conversation_id = "conv-planted", model = "tiny", prompt = messages, response = "answer " + Planted, rating = -1, correction = "better " + Planted,
        })));
        await Ok(await client.PostAsync("/v1/feedback", Json(new
        {
            kind = "pairwise", conversation_id = "conv-planted", prompt = messages, a = new { model = "tiny", response = "A " + Planted },
            b = new { model = "other", response = "B " + Planted }, preferred = "b",
        })));

        var cells = CaptureDatabase.AllCells(servers.Database);
        foreach (string secret in new[] { Email, Phone, PlantedKey, PublicIp, TinyServer.Key })
        {
            Assert.DoesNotContain(cells, cell => cell.Contains(secret, StringComparison.Ordinal));
            Assert.Equal(-1, CaptureDatabase.RawBytes(servers.Database).AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
        }
        // What was stored instead: placeholders in the texts, the key's fingerprint, the user id's hash.
        string[] placeholders = ["<EMAIL>", "<PHONE>", "<SECRET>", "<IP_ADDRESS>"];
        var exchanges = CaptureDatabase.Rows(servers.Database, $"SELECT content, endpoint FROM messages WHERE content LIKE '%<EMAIL>%'");
        Assert.Contains(exchanges, r => (string)r["endpoint"]! == "chat");
        Assert.Contains(exchanges, r => (string)r["endpoint"]! == "completions");
        Assert.All(exchanges, r => Assert.All(placeholders, p => Assert.Contains(p, (string)r["content"]!)));
        var feedback = CaptureDatabase.Rows(servers.Database, "SELECT * FROM feedback WHERE conversation_id = 'conv-planted' ORDER BY kind");
        Assert.Equal(2, feedback.Count);
        foreach (string column in new[] { "prompt", "response", "correction" }) Assert.Contains("<EMAIL>", (string)feedback[1][column]!);
        foreach (string column in new[] { "a_response", "b_response" }) Assert.Contains("<PHONE>", (string)feedback[0][column]!);
        var keys = CaptureDatabase.Rows(servers.Database, "SELECT DISTINCT key_fingerprint FROM conversations");
        Assert.Equal([ApiKeys.Fingerprint(TinyServer.Key)], keys.Select(r => (string?)r["key_fingerprint"]));
        Assert.NotEmpty(CaptureDatabase.Rows(servers.Database, $"SELECT id FROM conversations WHERE user_hash = '{CaptureIdentity.HashUser(Email)}'"));
    }

    [Fact]
    public async Task Exchanges_of_one_conversation_are_grouped_by_header_and_answers_are_stored_whole()
    {
        var client = Client(servers.Capturing);
        string conversation = "conv-" + Guid.NewGuid().ToString("N");
        string? firstId = null, answer = null;
        for (int turn = 0; turn < 2; turn++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json(new { messages = new[] { new { role = "user", content = $"the whale turn {turn}" } }, max_tokens = 5, temperature = 0, stream = turn == 1 }),
            };
            request.Headers.Add("X-SharpLM-Conversation", conversation);
            var response = await client.SendAsync(request);
            Assert.Equal(conversation, response.Headers.GetValues("X-SharpLM-Conversation").Single());
            string body = await response.Content.ReadAsStringAsync();
            if (turn == 0)
            {
                var json = JsonDocument.Parse(body).RootElement;
                firstId = json.GetProperty("id").GetString();
                answer = json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
            }
        }
        var rows = CaptureDatabase.Rows(servers.Database, $"SELECT id, exchange_id, role, content, finish_reason, completion_tokens FROM messages WHERE conversation_id = '{conversation}' ORDER BY created_at, position");
        Assert.Equal(4, rows.Count); // two exchanges of a user message and an answer
        Assert.Equal(2, rows.Select(r => r["exchange_id"]).Distinct().Count());
        var first = rows.Single(r => (string)r["id"]! == firstId);
        Assert.Equal("assistant", first["role"]);
        Assert.Equal(answer, first["content"]);
        Assert.Contains((string)first["finish_reason"]!, new[] { "stop", "length" });
        Assert.All(rows.Where(r => (string)r["role"]! == "assistant"), r => Assert.InRange((long)r["completion_tokens"]!, 1, 5));
        Assert.Single(CaptureDatabase.Rows(servers.Database, $"SELECT id FROM conversations WHERE id = '{conversation}'"));
    }

    [Fact]
    public async Task Feedback_answers_200_with_an_id_400_naming_the_field_and_404_without_capture()
    {
        var client = Client(servers.Capturing);
        var rated = await Ok(await client.PostAsync("/v1/feedback", Json(Rating("conv-ok"))));
        Assert.StartsWith("fb_", rated.GetProperty("id").GetString());
        Assert.Equal("feedback", rated.GetProperty("object").GetString());
        var pairwise = await Ok(await client.PostAsync("/v1/feedback", Json(new
        {
            kind = "pairwise", conversation_id = "conv-ok", prompt = new[] { new { role = "user", content = "hi" } },
            a = new { model = "m1", response = "x" }, b = new { model = "m2", response = "y" }, preferred = "tie",
        })));
        Assert.StartsWith("fb_", pairwise.GetProperty("id").GetString());
        Assert.Equal(2, CaptureDatabase.Rows(servers.Database, "SELECT id FROM feedback WHERE conversation_id = 'conv-ok'").Count);

        var bad = new (string Body, string Param)[]
        {
            ("""{"conversation_id":"c","prompt":[{"role":"user","content":"hi"}],"response":"r","rating":1}""", "kind"),
            ("""{"kind":"stars","prompt":[{"role":"user","content":"hi"}]}""", "kind"),
            ("""{"kind":"rating","prompt":[{"role":"user","content":"hi"}],"response":"r","rating":0}""", "rating"),
            ("""{"kind":"rating","prompt":[{"role":"user","content":"hi"}],"response":"r","rating":"up"}""", "rating"),
            ("""{"kind":"rating","prompt":[{"role":"user","content":"hi"}],"rating":1}""", "response"),
            ("""{"kind":"rating","response":"r","rating":1}""", "prompt"),
            ("""{"kind":"rating","prompt":[{"role":"wizard","content":"hi"}],"response":"r","rating":1}""", "prompt[0].role"),
            ("""{"kind":"rating","prompt":[{"role":"user","content":5}],"response":"r","rating":1}""", "prompt[0].content"),
            ("""{"kind":"pairwise","prompt":[{"role":"user","content":"hi"}],"b":{"response":"y"},"preferred":"a"}""", "a"),
            ("""{"kind":"pairwise","prompt":[{"role":"user","content":"hi"}],"a":{"response":"x"},"b":{"model":"m"},"preferred":"a"}""", "b.response"),
            ("""{"kind":"pairwise","prompt":[{"role":"user","content":"hi"}],"a":{"response":"x"},"b":{"response":"y"},"preferred":"c"}""", "preferred"),
            ("""{"kind":"rating","conversation_id":"","prompt":[{"role":"user","content":"hi"}],"response":"r","rating":1}""", "conversation_id"),
        };
        foreach (var (body, param) in bad)
        {
            var error = await Error(await client.PostAsync("/v1/feedback", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
            Assert.Equal(param, error.GetProperty("param").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        }
        Assert.Contains("not valid JSON", (await Error(await client.PostAsync("/v1/feedback", new StringContent("{\"kind\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest))
            .GetProperty("message").GetString());
        Assert.Equal("invalid_api_key", (await Error(await Client(servers.Capturing, key: null).PostAsync("/v1/feedback", Json(Rating("c"))), HttpStatusCode.Unauthorized))
            .GetProperty("code").GetString());

        var plain = Client(servers.Plain);
        foreach (var response in new[] { await plain.PostAsync("/v1/feedback", Json(Rating("c"))), await plain.DeleteAsync("/v1/conversations/c"), await plain.DeleteAsync("/v1/users/u") })
            Assert.Equal("capture_disabled", (await Error(response, HttpStatusCode.NotFound)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Deleting_a_conversation_or_a_user_over_http_removes_every_row_of_theirs()
    {
        var client = Client(servers.Capturing);
        string user = "user-" + Guid.NewGuid().ToString("N");
        var ids = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(new { messages = new[] { new { role = "user", content = "the sea" } }, max_tokens = 3 }) };
            request.Headers.Add("X-SharpLM-User", user);
            var response = await client.SendAsync(request);
            ids.Add(response.Headers.GetValues("X-SharpLM-Conversation").Single());
            await Ok(response);
        }
        var feedback = new HttpRequestMessage(HttpMethod.Post, "/v1/feedback") { Content = Json(Rating("conv-shared-" + user)) };
        feedback.Headers.Add("X-SharpLM-User", user);
        await Ok(await client.SendAsync(feedback));
        string bystander = "conv-bystander-" + user;
        await Ok(await client.PostAsync("/v1/feedback", Json(Rating(bystander))));

        string Where(string column) => $"{column} IN ('{string.Join("','", ids)}')";
        Assert.Equal(4, CaptureDatabase.Rows(servers.Database, $"SELECT id FROM messages WHERE {Where("conversation_id")}").Count);

        var first = await Ok(await client.DeleteAsync($"/v1/conversations/{ids[0]}"));
        Assert.True(first.GetProperty("deleted").GetBoolean());
        Assert.Equal(2, first.GetProperty("rows").GetProperty("messages").GetInt64());
        Assert.Empty(CaptureDatabase.Rows(servers.Database, $"SELECT id FROM messages WHERE conversation_id = '{ids[0]}'"));
        Assert.Empty(CaptureDatabase.Rows(servers.Database, $"SELECT id FROM conversations WHERE id = '{ids[0]}'"));
        Assert.Equal("conversation_not_found", (await Error(await client.DeleteAsync($"/v1/conversations/{ids[0]}"), HttpStatusCode.NotFound)).GetProperty("code").GetString());

        var removed = await Ok(await client.DeleteAsync($"/v1/users/{user}"));
        Assert.Equal("user.deleted", removed.GetProperty("object").GetString());
        Assert.Equal(2, removed.GetProperty("rows").GetProperty("conversations").GetInt64()); // the second exchange's and the feedback's
        string hash = CaptureIdentity.HashUser(user)!;
        foreach (string table in CaptureDatabase.Tables)
        {
            string sql = table == "messages" ? $"SELECT id FROM messages WHERE {Where("conversation_id")}" : $"SELECT id FROM {table} WHERE user_hash = '{hash}'";
            Assert.Empty(CaptureDatabase.Rows(servers.Database, sql));
        }
        Assert.Single(CaptureDatabase.Rows(servers.Database, $"SELECT id FROM feedback WHERE conversation_id = '{bystander}'"));
    }
}
