using System.Security.Cryptography;
using SharpLM.Core;
using SharpLM.Core.Formats.Chat;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.PostTraining.Sft;

/// <summary>A chat JSONL file tokenized and split: training and held-out conversations, and what was dropped.</summary>
public sealed record SftData(List<TokenizedConversation> Train, List<TokenizedConversation> Validation, int Dropped, TokenShardIdentity Identity)
{
    /// <summary>
    /// Reads <paramref name="path"/> (<see cref="ChatJsonl"/>), renders each conversation with the template, and holds out
    /// every n-th for validation. Conversations with no assistant token within max_length (less any virtual tokens)
    /// are dropped and counted.
    /// </summary>
    public static SftData Load(string path, ChatTemplate template, SftOptions options)
    {
        var all = new List<TokenizedConversation>();
        int dropped = 0;
        foreach (var example in ChatJsonl.Read(path))
        {
            TokenizedConversation? conversation;
            try
            {
                conversation = TokenizedConversation.From(example, template, options.ConversationLength);
            }
            catch (SharpLMException e)
            {
                throw new SharpLMException($"{path}:{example.Line}: {e.Message}");
            }
            if (conversation is null) dropped++;
            else all.Add(conversation);
        }
        if (all.Count == 0) throw new SharpLMException($"{path}: no conversation has an assistant token within {options.ConversationLength} positions (max_length {options.MaxLength}{(options.VirtualTokens > 0 ? $" less {options.VirtualTokens} virtual tokens" : "")}).");
        int every = options.ValidationFraction > 0 && all.Count >= 2 ? Math.Max(2, (int)Math.Round(1 / options.ValidationFraction)) : 0;
        var train = new List<TokenizedConversation>();
        var validation = new List<TokenizedConversation>();
        for (int i = 0; i < all.Count; i++) (every > 0 && i % every == every - 1 ? validation : train).Add(all[i]);
        if (every > 0 && validation.Count == 0)
        {
            validation.Add(train[^1]);
            train.RemoveAt(train.Count - 1);
        }
        return new SftData(train, validation, dropped, Fingerprint(path, train));
    }

    /// <summary>SHA-256 over the training tokens and masks: a resume on other data (or another tokenizer) is refused.</summary>
    private static TokenShardIdentity Fingerprint(string path, List<TokenizedConversation> train)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var conversation in train)
        {
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(conversation.Inputs.AsSpan()));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(conversation.Targets.AsSpan()));
            hash.AppendData(conversation.Supervised.Select(s => s ? (byte)1 : (byte)0).ToArray());
        }
        return new TokenShardIdentity
        {
            Path = Path.GetFullPath(path), Tokens = train.Sum(c => (long)c.Length), Documents = train.Count,
            Fingerprint = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
    }
}
