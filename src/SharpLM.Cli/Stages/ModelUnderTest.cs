using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using SharpLM.Core;
using SharpLM.Evaluation.Endpoint;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Serving.Clients;

namespace SharpLM.Cli.Stages;

/// <summary>
/// The model a safety verb talks to, as an <see cref="IChatClient"/>: a model folder through the engine in-process, or an
/// OpenAI-compatible endpoint through the official OpenAI client; endpoint failures become one sentence naming the address.
/// </summary>
public static class ModelUnderTest
{
    public static (IChatClient Client, string Name) Open(string? directory, string? endpoint, string? apiKey, string? modelName, int slots, int threads, TimeSpan timeout)
    {
        if ((directory is null) == (endpoint is null))
            throw new SharpLMException("give exactly one of --model (a model folder) and --endpoint (a server's address).");
        if (directory is not null)
        {
            var folder = Core.Models.Folder.ModelFolder.Open(directory);
            return (SharpLMChatClient.Load(folder.Directory, slots, threads), Path.GetFileName(folder.Directory.TrimEnd('/')));
        }
        apiKey ??= Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        using var probe = new EndpointClient(endpoint!, apiKey, timeout);
        string name = modelName ?? (probe.TryGet("v1/models")?["data"]?.AsArray().FirstOrDefault()?["id"]?.GetValue<string>()
            ?? throw new SharpLMException($"the endpoint {probe.Address} lists no model at /v1/models; name one with --model-name."));
        var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "none" : apiKey),
            new OpenAIClientOptions { Endpoint = new Uri(probe.Address + "/v1"), NetworkTimeout = timeout });
        return (new EndpointErrors(client.GetChatClient(name).AsIChatClient(), probe.Address), name);
    }

    /// <summary>The same model as a log-likelihood scorer: the engine in-process, or the endpoint's completions with echo and logprobs.</summary>
    public static (IEvaluationModel Model, string Name) OpenScorer(string? directory, string? endpoint, string? apiKey, string? modelName, int maxLength, int threads, TimeSpan timeout)
    {
        if ((directory is null) == (endpoint is null))
            throw new SharpLMException("give exactly one of --model (a model folder) and --endpoint (a server's address).");
        if (directory is not null)
        {
            var folder = Core.Models.Folder.ModelFolder.Open(directory);
            var (session, tokenizer) = ModelLoader.OpenEngine(folder, threads);
            return (new EngineEvaluationModel(session, tokenizer, folder.Directory), Path.GetFileName(folder.Directory.TrimEnd('/')));
        }
        var served = new EndpointEvaluationModel(new EndpointClient(endpoint!, apiKey ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY"), timeout), modelName, maxLength);
        return (served, served.Name);
    }

    private sealed class EndpointErrors(IChatClient inner, string address) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            try
            {
                return await base.GetResponseAsync(messages, options, cancellationToken);
            }
            catch (ClientResultException e)
            {
                throw new SharpLMException($"the endpoint {address} answered HTTP {e.Status}: {JsonFirstLine(e.Message)}");
            }
            catch (HttpRequestException e)
            {
                throw new SharpLMException($"the endpoint {address} could not be reached ({e.Message.TrimEnd('.')}).");
            }
        }

        private static string JsonFirstLine(string message) => message.Split('\n')[0].TrimEnd('.') + ".";
    }
}
