using SharpLM.Inference.Constraints;
using SharpLM.Inference.Constraints.Json;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.Serving;

/// <summary>What the HTTP chat route and the in-process chat client share: rendering a conversation, and JSON output constraints.</summary>
public static class ChatPrompt
{
    /// <summary>The conversation in the model's chat template, ready for the assistant's turn, and the token that ends that turn.</summary>
    public static (IReadOnlyList<int> Prompt, IReadOnlySet<int> StopTokens) Render(ServedModel model, IReadOnlyList<ChatMessage> messages)
    {
        var template = model.ChatTemplate
            ?? throw new Core.SharpLMException($"model '{model.Id}' has no chat template (its tokenizer lacks the turn tokens <|im_start|> and <|im_end|>).");
        var prompt = template.Render(messages, addGenerationPrompt: true).Ids;
        return (Inference.Generation.GenerationSequence.PrepareContext(model.Tokenizer, prompt, model.MaxContext), new HashSet<int> { template.TurnEndId });
    }

    /// <summary>
    /// A constraint factory for JSON output under <paramref name="schemaJson"/> (null: any object the matcher allows), one
    /// constraint per choice; a schema outside the supported subset is refused naming <paramref name="origin"/>.
    /// </summary>
    public static Func<ITokenConstraint> JsonOutput(ServedModel model, string? schemaJson, string origin)
    {
        var schema = JsonSchemaParser.Parse(schemaJson ?? """{"type":"object"}""", origin);
        return () => OutputConstraints.JsonSchema(model.Trie, schema);
    }
}
