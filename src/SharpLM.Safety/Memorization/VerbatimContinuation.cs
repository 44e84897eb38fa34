using SharpLM.Core.Formats.Documents;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Safety.Memorization;

/// <summary>Verbatim continuation over training documents: how many of their prefixes the model continues exactly.</summary>
public sealed record VerbatimResult(int Documents, int ExactMatches, double MeanMatchedTokens)
{
    public double ExactMatchRate => Documents == 0 ? 0 : (double)ExactMatches / Documents;
}

/// <summary>
/// For each training document with at least prefix + continuation tokens, the model gets the end-of-text token and
/// the document's first <c>prefix</c> tokens and generates <c>continuation</c> tokens greedily; an exact match is
/// every generated token equal to the document's next one (the extraction test of Carlini et al., "Quantifying
/// Memorization Across Neural Language Models", 2022, with 32 + 32 tokens by default). Shorter documents are skipped.
/// </summary>
public static class VerbatimContinuation
{
    public static VerbatimResult Measure(ILogitsSource model, BpeTokenizer tokenizer, IEnumerable<Document> documents, int prefix = 32, int continuation = 32,
        int maxDocuments = 100, Action<int>? progress = null)
    {
        int measured = 0, exact = 0;
        long matched = 0;
        var options = new SamplingOptions { Temperature = 0, TopK = 0, MaxNewTokens = continuation, StopAtEndOfText = false, Seed = 0 };
        foreach (var document in documents)
        {
            if (measured == maxDocuments) break;
            var tokens = tokenizer.Encode(document.Text);
            if (tokens.Count < prefix + continuation) continue;
            var prompt = new List<int>(prefix + 1);
            if (tokenizer.EndOfTextId is int eot) prompt.Add(eot);
            prompt.AddRange(tokens.Take(prefix));
            var generated = TextGenerator.Generate(model, tokenizer, prompt, options).Tokens;
            int same = 0;
            while (same < continuation && same < generated.Count && generated[same] == tokens[prefix + same]) same++;
            matched += same;
            if (same == continuation) exact++;
            measured++;
            progress?.Invoke(measured);
        }
        return new VerbatimResult(measured, exact, measured == 0 ? 0 : (double)matched / measured);
    }
}
