using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Evaluation.Endpoint;

namespace SharpLM.Safety.Judges;

/// <summary>
/// A guard model served behind an OpenAI-compatible endpoint (<c>sharplm serve</c> or vLLM running a Llama Guard model) as
/// a judge: the same classification task as <see cref="GuardModelJudge"/>, sent as one user turn to
/// <c>/v1/chat/completions</c>, greedy, with vLLM's <c>structured_outputs.regex</c> set to Llama Guard's verdict
/// grammar, so a server that honours it (both named above) can only answer a verdict; from one that ignores it the
/// first line is read as Llama Guard's answer. An answer too long for the guard's context is cut from its end and
/// sent again, as the in-process judge does. Safe from several threads.
/// </summary>
public sealed class EndpointGuardJudge : IResponseJudge, IDisposable
{
    private const int MaxAnswerTokens = 32;
    private readonly EndpointClient _client;

    public EndpointGuardJudge(EndpointClient client, string model)
    {
        _client = client;
        Model = model;
    }

    /// <summary>Connects to <paramref name="address"/>; without <paramref name="model"/>, the first model the endpoint lists.</summary>
    public static EndpointGuardJudge Open(string address, string? apiKey, string? model, TimeSpan timeout)
    {
        var client = new EndpointClient(address, apiKey, timeout);
        try
        {
            string name = model ?? (client.TryGet("v1/models")?["data"]?.AsArray().FirstOrDefault()?["id"]?.GetValue<string>()
                ?? throw new SharpLMException($"the guard endpoint {client.Address} lists no model at /v1/models; name one with --guard-model-name."));
            return new EndpointGuardJudge(client, name);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public string Model { get; }

    public string Detector => "sharplm.LlamaGuard";

    /// <summary>The guard's answer, trimmed (a verdict of the grammar when the server enforces it).</summary>
    public string Classify(string prompt, string response)
    {
        for (int keep = response.Length; ; keep /= 2)
        {
            var body = new JsonObject
            {
                ["model"] = Model,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = LlamaGuardPrompt.Build(prompt, response[..keep]) }),
                ["temperature"] = 0,
                ["max_tokens"] = MaxAnswerTokens,
                ["seed"] = 0,
                ["structured_outputs"] = new JsonObject { ["regex"] = LlamaGuardPrompt.AnswerPattern },
            };
            bool tooLong = false;
            JsonObject answer;
            try
            {
                answer = _client.Post("v1/chat/completions", body, message =>
                {
                    tooLong = message.Contains("context", StringComparison.OrdinalIgnoreCase);
                    return new SharpLMException($"the guard endpoint {_client.Address} refused the classification request: {message}");
                });
            }
            catch (SharpLMException) when (tooLong && keep > 0)
            {
                continue; // the exchange does not fit the guard's context: its start carries the verdict, so send the first half
            }
            string text = answer["choices"]?[0]?["message"]?["content"]?.GetValue<string>()
                ?? throw new SharpLMException($"the guard endpoint {_client.Address} answered without choices[0].message.content.");
            return text.Trim();
        }
    }

    public JudgeVerdict Judge(string prompt, string response) => LlamaGuardPrompt.Parse(Classify(prompt, response));

    public void Dispose() => _client.Dispose();
}
