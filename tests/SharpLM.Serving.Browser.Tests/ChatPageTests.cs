using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using SharpLM.Feedback.Capture;
using static Microsoft.Playwright.Assertions;

namespace SharpLM.Serving.Browser.Tests;

/// <summary>The chat page in a real browser against a real server: streaming, Stop, side by side, feedback, history, layout.</summary>
public class ChatPageTests(PageFixture fixture) : IClassFixture<PageFixture>
{
    private const string LastAnswer = "li.message.assistant >> nth=-1";

    private HttpClient Api() => new()
    {
        BaseAddress = fixture.Address,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", PageFixture.Key) },
        Timeout = TimeSpan.FromMinutes(2),
    };

    /// <summary>The server's own answer to the request the page makes, not streamed: the cross-check for what the page shows.</summary>
    private async Task<string> ServerAnswer(string model, string prompt, int maxTokens)
    {
        string body = JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = prompt } }, temperature = 0, max_tokens = maxTokens, seed = 7 });
        var response = await Api().PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private static async Task Settings(IPage page, int maxTokens, string? modelB = null)
    {
        await page.GetByText("Settings", new() { Exact = true }).ClickAsync();
        await page.GetByLabel("Temperature").FillAsync("0");
        await page.GetByLabel("Max tokens").FillAsync(maxTokens.ToString());
        await page.GetByLabel("Seed").FillAsync("7");
        if (modelB is not null) await page.GetByLabel("Model B").SelectOptionAsync(modelB);
    }

    /// <summary>Chromium's DevTools network emulation: the page receives at most 16 KB/s, however fast the server sends.</summary>
    /// <summary>Slows the page's downloads to 16 KB/s; the returned session lifts it again (<see cref="Unthrottle"/>).</summary>
    private static async Task<ICDPSession> Throttle(IPage page)
    {
        var devtools = await page.Context.NewCDPSessionAsync(page);
        await devtools.SendAsync("Network.enable");
        await devtools.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = 16_000, ["uploadThroughput"] = -1,
        });
        return devtools;
    }

    private static Task Unthrottle(ICDPSession devtools) => devtools.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
    {
        ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
    });

    private async Task<double> RunningRequests(string model)
    {
        string metrics = await Api().GetStringAsync("/metrics");
        string prefix = $"sharplm_num_requests_running{{model_name=\"{model}\"}} ";
        return double.Parse(metrics.Split('\n').Single(line => line.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The feedback the page posts, as it goes on to the server unchanged.</summary>
    private static async Task<List<JsonObject>> WatchFeedback(IPage page)
    {
        var sent = new List<JsonObject>();
        await page.RouteAsync("**/v1/feedback", async route =>
        {
            Assert.Equal("POST", route.Request.Method);
            Assert.Equal($"Bearer {PageFixture.Key}", await route.Request.HeaderValueAsync("authorization"));
            lock (sent) sent.Add(JsonNode.Parse(route.Request.PostData!)!.AsObject());
            await route.ContinueAsync();
        });
        return sent;
    }

    [Fact(Timeout = 180_000)]
    public async Task The_page_loads_with_a_label_or_name_on_every_control()
    {
        var page = await fixture.OpenAsync();
        await Expect(page).ToHaveTitleAsync("SharpLM chat");
        // Every field has a <label>, every button a name a screen reader can say.
        var unlabelled = await page.EvaluateAsync<string[]>("""
            [...document.querySelectorAll("input, select, textarea")].filter(c => c.labels.length === 0).map(c => c.id)
              .concat([...document.querySelectorAll("button")].filter(b => !(b.getAttribute("aria-label") || b.textContent.trim())).map(b => b.outerHTML))
            """);
        Assert.Empty(unlabelled);
        Assert.Equal(["tiny", "small"], await page.Locator("#model-a option").AllTextContentsAsync());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop" })).ToBeDisabledAsync();
    }

    [Fact(Timeout = 180_000)]
    public async Task A_message_streams_in_piece_by_piece_and_ends_as_the_server_answers_it()
    {
        var page = await fixture.OpenAsync();
        await Settings(page, maxTokens: 400);
        // The stream arrives through a 16 KB/s link, so the pieces reach the page spread over seconds even when a loaded
        // machine would otherwise hand the whole answer to one read.
        await Throttle(page);
        // Every change to the answer's text, as the page makes it.
        await page.EvaluateAsync("""
            window.lengths = [];
            new MutationObserver(() => {
              const answers = document.querySelectorAll("li.message.assistant .content");
              if (answers.length) window.lengths.push(answers[answers.length - 1].textContent.length);
            }).observe(document.getElementById("messages"), { childList: true, subtree: true, characterData: true });
            """);
        var prompt = page.GetByLabel("Message");
        await prompt.FillAsync("the whale");
        await prompt.PressAsync("Shift+Enter"); // a new line, not a send
        await prompt.PressSequentiallyAsync("sails");
        Assert.Equal("the whale\nsails", await prompt.InputValueAsync());
        await Expect(page.Locator("li.message")).ToHaveCountAsync(0);
        await prompt.PressAsync("Enter");

        var answer = page.Locator(LastAnswer);
        await Expect(answer).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop" })).ToBeDisabledAsync();
        await Expect(answer.Locator(".content")).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(answer.Locator(".content")).ToHaveAttributeAsync("aria-busy", "false");

        // The text grew through several lengths before the whole answer stood.
        var lengths = (await page.EvaluateAsync<int[]>("window.lengths")).Distinct().ToArray();
        Assert.True(lengths.Count(l => l > 0) >= 3, $"the answer appeared in {lengths.Length} steps: {string.Join(",", lengths)}");
        Assert.Equal(lengths.Where(l => l > 0).Order(), lengths.Where(l => l > 0));

        // Kept in the browser exactly as the server answers the same request without streaming.
        string stored = await page.EvaluateAsync<string>("JSON.parse(localStorage.getItem('sharplm.conversations'))[0].messages[1].content");
        Assert.Equal(await ServerAnswer("tiny", "the whale\nsails", 400), stored);
        Assert.StartsWith("chatcmpl-", await answer.GetAttributeAsync("data-id"));
    }

    [Fact(Timeout = 180_000)]
    public async Task Stop_ends_a_long_generation_leaves_the_page_idle_and_frees_the_slot()
    {
        var page = await fixture.OpenAsync();
        await Settings(page, maxTokens: 30000);
        // The default model never ends its turn, so only the 30,000-token budget (or Stop) ends this stream. The link is
        // throttled so that a loaded machine's page is not kept busy re-rendering thousands of tokens a second, which
        // can hold back the Stop click's effect past the assertion's limit; the server keeps the slot running meanwhile.
        var throttle = await Throttle(page);
        await page.GetByLabel("Message").FillAsync("the whale");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var answer = page.Locator(LastAnswer);
        // The first token of a 30,000-token request can take long while other test runs share the cores: a bound, not a speed.
        await Expect(answer.Locator(".content")).Not.ToBeEmptyAsync(new() { Timeout = 120_000 });
        await Expect(answer).ToHaveAttributeAsync("data-state", "streaming");
        Assert.Equal(1, await RunningRequests("tiny"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Expect(answer).ToHaveAttributeAsync("data-state", "done");
        await Expect(answer.GetByText("Stopped.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop" })).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Stopped.");
        // The page has let go of the stream; lift the throttle so the browser's side of the aborted connection (which
        // the emulated link can hold back) closes at once and the server sees the disconnect.
        await Unthrottle(throttle);

        // Escape stops too.
        await page.GetByLabel("Message").FillAsync("the ship");
        await page.GetByLabel("Message").PressAsync("Enter");
        await Expect(page.Locator(LastAnswer)).ToHaveAttributeAsync("data-state", "streaming");
        await Expect(page.Locator(LastAnswer).Locator(".content")).Not.ToBeEmptyAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(LastAnswer).GetByText("Stopped.")).ToBeVisibleAsync();

        // The server frees a slot when its connection closes. Chromium closes an aborted stream's connection itself,
        // but may keep it a while (it can drain what the server already sent), so the page's context is closed, which
        // closes every connection it holds, if the slots are still busy after 30 s: either way the stopped streams must
        // not keep generating to their 30,000-token budget.
        if (!await SlotsFreed(TimeSpan.FromSeconds(30)))
        {
            await page.Context.CloseAsync();
            Assert.True(await SlotsFreed(TimeSpan.FromSeconds(30)),
                $"the stopped streams' slots stayed busy after the browser closed their connections ({fixture.Server.Scheduler!.BusySlots} busy); "
                + $"the server logged: {string.Join(" | ", fixture.ServerLogs.Lines)}");
        }
    }

    /// <summary>Whether no request on the "tiny" model is running within <paramref name="wait"/>.</summary>
    private async Task<bool> SlotsFreed(TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (await RunningRequests("tiny") != 0)
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }

    [Fact(Timeout = 180_000)]
    public async Task Side_by_side_shows_both_models_answers_and_sends_the_choice()
    {
        var page = await fixture.OpenAsync();
        var feedback = await WatchFeedback(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Side by side" }).ClickAsync();
        await Settings(page, maxTokens: 24, modelB: "small");
        await page.GetByLabel("Message").FillAsync("the mast");
        await page.GetByLabel("Message").PressAsync("Enter");

        var choose = page.GetByRole(AriaRole.Button, new() { Name = "B is better" });
        await Expect(choose).ToBeEnabledAsync();
        string a = await ServerAnswer("tiny", "the mast", 24), b = await ServerAnswer("small", "the mast", 24);
        Assert.NotEqual(a, b);
        await Expect(page.Locator("#compare-name-a")).ToHaveTextAsync("tiny");
        await Expect(page.Locator("#compare-name-b")).ToHaveTextAsync("small");
        Assert.Equal(Normalize(a), Normalize(await page.Locator("#compare-a").InnerTextAsync()));
        Assert.Equal(Normalize(b), Normalize(await page.Locator("#compare-b").InnerTextAsync()));

        await choose.ClickAsync();
        await Expect(choose).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved: B is better.");
        var sent = Assert.Single(feedback);
        Assert.Equal("pairwise", (string)sent["kind"]!);
        Assert.Equal("b", (string)sent["preferred"]!);
        Assert.Equal("tiny", (string)sent["a"]!["model"]!);
        Assert.Equal(a, (string)sent["a"]!["response"]!);
        Assert.Equal("small", (string)sent["b"]!["model"]!);
        Assert.Equal(b, (string)sent["b"]!["response"]!);
        Assert.Equal("""[{"role":"user","content":"the mast"}]""", sent["prompt"]!.ToJsonString());
        Assert.False(string.IsNullOrEmpty((string)sent["conversation_id"]!));
        Assert.Equal(["a", "b", "conversation_id", "kind", "preferred", "prompt"], sent.Select(p => p.Key).Order(StringComparer.Ordinal));

        // Stored by the server's capture database as sent.
        var stored = Assert.IsType<PairwiseFeedback>(Assert.Single(fixture.StoredFeedback(), f => f.Entry.ConversationId == (string)sent["conversation_id"]!).Entry);
        Assert.Equal("b", stored.Preferred);
        Assert.Equal(new PairwiseCandidate("tiny", a), stored.A);
        Assert.Equal(new PairwiseCandidate("small", b), stored.B);
        Assert.Equal([new CapturedMessage("user", "the mast")], stored.Prompt);
    }

    [Fact(Timeout = 180_000)]
    public async Task Ratings_and_corrections_carry_the_answer_and_its_prompt()
    {
        var page = await fixture.OpenAsync();
        var feedback = await WatchFeedback(page);
        await Settings(page, maxTokens: 12);
        await page.GetByLabel("System prompt").FillAsync("Answer briefly.");
        await page.GetByLabel("Message").FillAsync("the deck");
        await page.GetByLabel("Message").PressAsync("Enter");
        var answer = page.Locator(LastAnswer);
        await Expect(answer).ToHaveAttributeAsync("data-state", "done");
        string messageId = (await answer.GetAttributeAsync("data-id"))!;
        string response = await page.EvaluateAsync<string>("JSON.parse(localStorage.getItem('sharplm.conversations'))[0].messages[1].content");
        string conversationId = await page.EvaluateAsync<string>("JSON.parse(localStorage.getItem('sharplm.conversations'))[0].id");

        await answer.GetByRole(AriaRole.Button, new() { Name = "Good answer" }).ClickAsync();
        await Expect(page.Locator(LastAnswer).GetByRole(AriaRole.Button, new() { Name = "Good answer" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator(LastAnswer).GetByLabel("A better answer")).ToBeHiddenAsync();
        await page.Locator(LastAnswer).GetByRole(AriaRole.Button, new() { Name = "Suggest a correction" }).ClickAsync();
        await Expect(page.Locator(LastAnswer).GetByLabel("A better answer")).ToBeVisibleAsync();
        await page.Locator(LastAnswer).GetByLabel("A better answer").FillAsync("The deck is wet.");
        await page.Locator(LastAnswer).GetByRole(AriaRole.Button, new() { Name = "Send correction" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Correction sent.");

        Assert.Equal(2, feedback.Count);
        foreach (var sent in feedback)
        {
            Assert.Equal("rating", (string)sent["kind"]!);
            Assert.Equal(conversationId, (string)sent["conversation_id"]!);
            Assert.Equal(messageId, (string)sent["message_id"]!);
            Assert.Equal("tiny", (string)sent["model"]!);
            Assert.Equal(response, (string)sent["response"]!);
            Assert.Equal(1, (int)sent["rating"]!);
            Assert.Equal("""[{"role":"system","content":"Answer briefly."},{"role":"user","content":"the deck"}]""", sent["prompt"]!.ToJsonString());
        }
        Assert.False(feedback[0].ContainsKey("correction"));
        Assert.Equal("The deck is wet.", (string)feedback[1]["correction"]!);

        // Stored by the server, filed under the page's conversation together with the exchange it captured.
        var stored = fixture.StoredFeedback().Where(f => f.Entry.ConversationId == conversationId).Select(f => Assert.IsType<RatingFeedback>(f.Entry)).ToList();
        Assert.Equal(2, stored.Count);
        Assert.All(stored, r => Assert.Equal((messageId, "tiny", response, 1), (r.MessageId, r.Model, r.Response, r.Rating)));
        Assert.All(stored, r => Assert.Equal([new CapturedMessage("system", "Answer briefly."), new CapturedMessage("user", "the deck")], r.Prompt));
        Assert.Equal([null, "The deck is wet."], stored.Select(r => r.Correction));
        using var deleted = JsonDocument.Parse(await (await Api().DeleteAsync($"/v1/conversations/{conversationId}")).Content.ReadAsStringAsync());
        var rows = deleted.RootElement.GetProperty("rows");
        Assert.Equal((1, 2), (rows.GetProperty("conversations").GetInt32(), rows.GetProperty("feedback").GetInt32()));
        Assert.True(rows.GetProperty("messages").GetInt32() > 0);
    }

    [Fact(Timeout = 180_000)]
    public async Task Conversations_survive_a_reload_and_can_be_started_and_deleted()
    {
        var page = await fixture.OpenAsync();
        await Settings(page, maxTokens: 6);
        foreach (var text in new[] { "first question", "second question" })
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "New conversation" }).ClickAsync();
            await page.GetByLabel("Message").FillAsync(text);
            await page.GetByLabel("Message").PressAsync("Enter");
            await Expect(page.Locator(LastAnswer)).ToHaveAttributeAsync("data-state", "done");
        }
        await page.ReloadAsync();
        var list = page.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" });
        await Expect(list.Locator(".open")).ToHaveTextAsync(["second question", "first question"]);
        await Expect(page.Locator("li.message.user .content")).ToHaveTextAsync(["second question"]);

        await list.GetByRole(AriaRole.Button, new() { Name = "first question", Exact = true }).ClickAsync();
        await Expect(page.Locator("li.message.user .content")).ToHaveTextAsync(["first question"]);
        await list.GetByRole(AriaRole.Button, new() { Name = "Delete conversation: first question" }).ClickAsync();
        await Expect(list.Locator(".open")).ToHaveTextAsync(["second question"]);
        await Expect(page.Locator("li.message")).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Expect(list.Locator(".open")).ToHaveTextAsync(["second question"]);
    }

    [Fact(Timeout = 180_000)]
    public async Task Markdown_is_rendered_from_escaped_text_so_markup_in_an_answer_never_runs()
    {
        var page = await fixture.OpenAsync();
        // Hand-written expectations for each construct; the renderer is the page's own module.
        var cases = new (string Markdown, string Html)[]
        {
            ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            ("**bold** and *it* `a<b>`", "<p><strong>bold</strong> and <em>it</em> <code>a&lt;b&gt;</code></p>"),
            ("[site](https://example.com/a?b=1&c=2) [bad](javascript:alert(1))",
                "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer\" target=\"_blank\">site</a> [bad](javascript:alert(1))</p>"),
            ("```js\nif (a < b) { **x** }\n```", "<pre><code data-language=\"js\">if (a &lt; b) { **x** }</code></pre>"),
            ("- one\n- two\n\n1. first", "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"),
            ("[x](https://e.com/\"onmouseover=\"alert)", "<p><a href=\"https://e.com/&quot;onmouseover=&quot;alert\" rel=\"noopener noreferrer\" target=\"_blank\">x</a></p>"),
        };
        foreach (var (markdown, html) in cases)
            Assert.Equal(html, await page.EvaluateAsync<string>("text => import('/markdown.js').then(m => m.renderMarkdown(text))", markdown));

        // An answer stored with markup shows as text after a reload, and nothing in it ran.
        await page.EvaluateAsync("""
            localStorage.setItem("sharplm.conversations", JSON.stringify([{ id: "conv_x", title: "x", created: 0, messages: [
              { id: "m1", role: "user", content: "hi" },
              { id: "m2", role: "assistant", content: "<img src=x onerror=\"window.ran=1\"> [go](javascript:window.ran=2)", model: "tiny" }] }]));
            localStorage.setItem("sharplm.active", "conv_x");
            """);
        await page.ReloadAsync();
        await Expect(page.Locator(LastAnswer).Locator(".content")).ToContainTextAsync("<img src=x onerror=\"window.ran=1\">");
        Assert.Equal(0, await page.Locator(LastAnswer).Locator("img, a").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("window.ran === undefined"));
    }

    [Fact(Timeout = 180_000)]
    public async Task On_a_375_pixel_phone_nothing_scrolls_sideways()
    {
        var page = await fixture.OpenAsync(375, 667);
        await Settings(page, maxTokens: 40);
        await page.GetByLabel("Message").FillAsync("the storm " + new string('x', 120)); // a long unbroken word must wrap
        await page.GetByLabel("Message").PressAsync("Enter");
        await Expect(page.Locator(LastAnswer)).ToHaveAttributeAsync("data-state", "done");
        const string Overflow = "document.documentElement.scrollWidth - window.innerWidth";
        Assert.Equal(0, await page.EvaluateAsync<int>(Overflow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Side by side" }).ClickAsync();
        Assert.Equal(0, await page.EvaluateAsync<int>(Overflow));
    }

    [Fact(Timeout = 180_000)]
    public async Task A_screenshot_of_the_page_is_written()
    {
        var page = await fixture.OpenAsync(1100, 720);
        await Settings(page, maxTokens: 40);
        await page.GetByLabel("System prompt").FillAsync("You are a sailor.");
        await page.GetByLabel("Message").FillAsync("Tell me about the whale");
        await page.GetByLabel("Message").PressAsync("Enter");
        await Expect(page.Locator(LastAnswer)).ToHaveAttributeAsync("data-state", "done");
        await page.GetByText("Settings", new() { Exact = true }).ClickAsync(); // closed again, so the conversation fills the picture
        string path = Path.Combine(AppContext.BaseDirectory, "chat-page.png");
        byte[] png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(1100, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4))); // IHDR width
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
