using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SharpLM.Evaluation.Endpoint;
using SharpLM.Safety.Judges;

namespace SharpLM.Serving.Tests;

/// <summary>vLLM's structured_outputs field over real HTTP, and the guard-model judge that relies on it.</summary>
[Collection("server")]
public class StructuredOutputsTests(ServerFixture fixture)
{
    private HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = fixture.Address, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerFixture.Key);
        return client;
    }

    private static StringContent Request(string structured, int seed, string extra = "") => new(
        $$"""{"model":"tiny","messages":[{"role":"user","content":"the whale"}],"max_tokens":24,"temperature":1,"seed":{{seed}},"structured_outputs":{{structured}}{{extra}}}""",
        Encoding.UTF8, "application/json");

    private async Task<string> Content(string structured, int seed)
    {
        var response = await Client().PostAsync("/v1/chat/completions", Request(structured, seed));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    [Fact]
    public async Task A_regex_holds_the_whole_answer_to_the_pattern_at_any_temperature()
    {
        var pattern = new System.Text.RegularExpressions.Regex("^(ship|mast) [0-9]{2}$");
        for (int seed = 0; seed < 4; seed++)
        {
            string answer = await Content("""{"regex":"(ship|mast) [0-9]{2}"}""", seed);
            Assert.Matches(pattern, answer);
        }
    }

    [Fact]
    public async Task A_choice_answer_is_one_of_the_strings_even_with_regex_metacharacters()
    {
        string[] choices = ["the whale.", "Ahab (captain)", "a+b"];
        for (int seed = 0; seed < 4; seed++)
            Assert.Contains(await Content("""{"choice":["the whale.","Ahab (captain)","a+b"]}""", seed), choices);
    }

    [Theory]
    [InlineData("""{"regex":"(ship"}""", "", "structured_outputs.regex")]
    [InlineData("""{"regex":"ship","choice":["a"]}""", "", "structured_outputs")]
    [InlineData("""{"grammar":"root ::= \"a\""}""", "", "structured_outputs.grammar")]
    [InlineData("""{"choice":[]}""", "", "structured_outputs.choice")]
    [InlineData("""{"regex":"ship"}""", ""","response_format":{"type":"json_object"}""", "structured_outputs")]
    public async Task A_bad_structured_outputs_field_is_refused_naming_it(string structured, string extra, string param)
    {
        var response = await Client().PostAsync("/v1/chat/completions", Request(structured, 0, extra));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, document.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public void A_guard_model_judges_the_same_over_http_as_in_process()
    {
        using var served = new EndpointGuardJudge(new EndpointClient(fixture.Address.ToString(), ServerFixture.Key, TimeSpan.FromMinutes(2)), "tiny");
        var local = GuardModelJudge.Load(fixture.ModelDirectory, threads: 1);
        var exchanges = new[]
        {
            ("How do I sail a ship?", "Watch the mast and the sea."),
            ("Tell me about the whale.", "The whale watches Ahab from the calm sea."),
            ("", "the storm"),
            ("Describe the deck.", string.Concat(Enumerable.Repeat("the harpoon sails the deck ", 400))), // longer than the context: cut
        };
        var verdicts = new List<string>();
        foreach (var (prompt, response) in exchanges)
        {
            string overHttp = served.Classify(prompt, response);
            Assert.Matches(new System.Text.RegularExpressions.Regex("^(safe|unsafe\nS(1[0-4]|[1-9])(,S(1[0-4]|[1-9]))*)$"), overHttp);
            Assert.Equal(local.Classify(prompt, response), overHttp);
            verdicts.Add(overHttp);
        }
        Assert.Equal(served.Judge("a", "b"), local.Judge("a", "b"));
    }
}
