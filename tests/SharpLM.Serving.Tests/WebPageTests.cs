using System.Net;
using System.Text.RegularExpressions;

namespace SharpLM.Serving.Tests;

/// <summary>The web page's files over real HTTP: served without a key, with their types and a strict content policy, while the API keeps its keys.</summary>
[Collection("server")]
public partial class WebPageTests(ServerFixture fixture)
{
    private HttpClient Anonymous() => new() { BaseAddress = fixture.Address };

    [Fact]
    public async Task The_page_and_every_file_it_loads_are_served_without_a_key()
    {
        var client = Anonymous();
        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>SharpLM chat</title>", html);

        // Every file the page names, and every module those scripts import, is there with the right type.
        var files = new Queue<string>(Referenced().Matches(html).Select(m => m.Groups["file"].Value));
        var seen = new HashSet<string>();
        while (files.TryDequeue(out var file))
        {
            if (!seen.Add(file)) continue;
            var response = await client.GetAsync("/" + file);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{file} answered {response.StatusCode}");
            string expected = file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : "text/css";
            Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            if (file.EndsWith(".js", StringComparison.Ordinal))
                foreach (Match import in Imported().Matches(await response.Content.ReadAsStringAsync())) files.Enqueue(import.Groups["file"].Value);
        }
        Assert.Equal(["api.js", "app.css", "app.js", "markdown.js", "store.js"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_page_forbids_inline_and_foreign_scripts()
    {
        var page = await Anonymous().GetAsync("/index.html");
        string policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.DoesNotContain("<script>", await page.Content.ReadAsStringAsync()); // nothing inline the policy would block
    }

    [Fact]
    public async Task The_api_and_unknown_paths_still_need_a_key()
    {
        var client = Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/secrets.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/index.html", new StringContent(""))).StatusCode); // files are GET/HEAD only
    }

    [GeneratedRegex("(?:src|href)=\"(?<file>[a-z-]+\\.(?:js|css))\"")]
    private static partial Regex Referenced();

    [GeneratedRegex("from \"\\./(?<file>[a-z-]+\\.js)\";")]
    private static partial Regex Imported();
}
