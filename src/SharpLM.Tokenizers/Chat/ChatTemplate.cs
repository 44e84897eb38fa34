using SharpLM.Core;
using SharpLM.Core.Formats.Chat;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Chat;

/// <summary>One turn of a conversation.</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public const string System = "system", User = "user", Assistant = "assistant", Tool = "tool";
}

/// <summary>A rendered conversation: token ids and, per id, whether it is a token the assistant wrote.</summary>
public sealed record RenderedChat(int[] Ids, bool[] AssistantMask);

/// <summary>
/// SharpLM's chat format (the ChatML layout used by Qwen and others), one turn per message:
/// <code>
/// &lt;|im_start|&gt;system\nYou are helpful.&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;user\nHi!&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;assistant\nHello.&lt;|im_end|&gt;\n
/// </code>
/// &lt;|im_start|&gt; and &lt;|im_end|&gt; are special tokens; the role and contents are ordinary text. Message
/// contents are encoded with special tokens disabled, so text that spells "&lt;|im_end|&gt;" cannot forge a turn.
/// The assistant mask marks each assistant turn's content and its closing &lt;|im_end|&gt;: the tokens supervised
/// fine-tuning trains on, which teaches the model to end its turn.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The same format as a Jinja template, for tokenizer_config.json (transformers, llama.cpp).</summary>
    public const string Jinja =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static readonly HashSet<string> Roles = [ChatMessage.System, ChatMessage.User, ChatMessage.Assistant, ChatMessage.Tool];

    private readonly BpeTokenizer _tokenizer;
    private readonly int _turnStart, _turnEnd;

    public ChatTemplate(BpeTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _turnStart = tokenizer.Specials.TryGetValue(SpecialTokens.TurnStart, out int start) ? start
            : throw new SharpLMException($"the tokenizer has no '{SpecialTokens.TurnStart}' special token, which the chat template needs; train it with the default special tokens.");
        _turnEnd = tokenizer.Specials.TryGetValue(SpecialTokens.TurnEnd, out int end) ? end
            : throw new SharpLMException($"the tokenizer has no '{SpecialTokens.TurnEnd}' special token, which the chat template needs; train it with the default special tokens.");
    }

    /// <summary>Renders the turns a chat or preference JSONL line was read into, as the messages they are.</summary>
    public RenderedChat RenderTurns(IEnumerable<ChatTurn> turns, bool addGenerationPrompt = false) =>
        Render(turns.Select(t => new ChatMessage(t.Role, t.Content)).ToList(), addGenerationPrompt);

    /// <summary>Renders messages; with <paramref name="addGenerationPrompt"/> the ids end with an open assistant turn.</summary>
    public RenderedChat Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var ids = new List<int>();
        var mask = new List<bool>();
        void Add(IEnumerable<int> tokens, bool supervised)
        {
            foreach (int token in tokens)
            {
                ids.Add(token);
                mask.Add(supervised);
            }
        }
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (!Roles.Contains(message.Role))
                throw new SharpLMException($"message {i}: role '{message.Role}' is not one of {string.Join(", ", Roles)}.");
            bool assistant = message.Role == ChatMessage.Assistant;
            Add([_turnStart], false);
            Add(_tokenizer.Encode(message.Role + "\n", allowSpecial: false), false);
            Add(_tokenizer.Encode(message.Content, allowSpecial: false), assistant);
            Add([_turnEnd], assistant);
            Add(_tokenizer.Encode("\n", allowSpecial: false), false);
        }
        if (addGenerationPrompt)
        {
            Add([_turnStart], false);
            Add(_tokenizer.Encode(ChatMessage.Assistant + "\n", allowSpecial: false), false);
        }
        return new RenderedChat(ids.ToArray(), mask.ToArray());
    }

    /// <summary>The id that ends an assistant's turn: generation stops there.</summary>
    public int TurnEndId => _turnEnd;
}
