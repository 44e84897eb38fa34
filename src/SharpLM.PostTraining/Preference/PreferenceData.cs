using System.Security.Cryptography;
using SharpLM.Core;
using SharpLM.Core.Formats.Chat;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.PostTraining.Sft;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.PostTraining.Preference;

/// <summary>A preference JSONL file tokenized and split: training and held-out pairs, and how many were dropped.</summary>
public sealed record PreferenceData(List<TokenizedPair> Train, List<TokenizedPair> Validation, int Dropped, TokenShardIdentity Identity)
{
    /// <summary>All pairs in file order, training then held-out: the order of the reference log-probability cache.</summary>
    public IEnumerable<TokenizedPair> All => Train.Concat(Validation);

    /// <summary>
    /// Reads <paramref name="path"/> (<see cref="PreferenceJsonl"/>), renders both sides of each pair, and holds out
    /// every n-th pair. Pairs where a side has no completion token within max_length are dropped and counted.
    /// </summary>
    public static PreferenceData Load(string path, ChatTemplate template, int maxLength, double validationFraction)
    {
        var all = new List<TokenizedPair>();
        int dropped = 0;
        foreach (var example in PreferenceJsonl.Read(path))
        {
            TokenizedPair? pair;
            try
            {
                pair = TokenizedPair.From(example, template, maxLength);
            }
            catch (SharpLMException e)
            {
                throw new SharpLMException($"{path}:{example.Line}: {e.Message}");
            }
            if (pair is null) dropped++;
            else all.Add(pair);
        }
        if (all.Count == 0) throw new SharpLMException($"{path}: no pair has a completion token on both sides within max_length {maxLength}.");
        int every = validationFraction > 0 && all.Count >= 2 ? Math.Max(2, (int)Math.Round(1 / validationFraction)) : 0;
        var train = new List<TokenizedPair>();
        var validation = new List<TokenizedPair>();
        for (int i = 0; i < all.Count; i++) (every > 0 && i % every == every - 1 ? validation : train).Add(all[i]);
        if (every > 0 && validation.Count == 0)
        {
            validation.Add(train[^1]);
            train.RemoveAt(train.Count - 1);
        }
        return new PreferenceData(train, validation, dropped, Fingerprint(path, train, validation));
    }

    /// <summary>SHA-256 over every pair's tokens and masks (held-out ones too: the reference cache covers them).</summary>
    private static TokenShardIdentity Fingerprint(string path, List<TokenizedPair> train, List<TokenizedPair> validation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Append(TokenizedConversation side)
        {
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(side.Inputs.AsSpan()));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(side.Targets.AsSpan()));
            hash.AppendData(side.Supervised.Select(s => s ? (byte)1 : (byte)0).ToArray());
        }
        foreach (var pair in train.Concat(validation))
        {
            Append(pair.Chosen);
            Append(pair.Rejected);
        }
        hash.AppendData(BitConverter.GetBytes(train.Count));
        return new TokenShardIdentity
        {
            Path = Path.GetFullPath(path), Tokens = train.Sum(p => (long)p.Chosen.Length + p.Rejected.Length), Documents = train.Count,
            Fingerprint = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
    }
}
