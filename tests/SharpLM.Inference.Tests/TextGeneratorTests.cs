using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Tests;

public class TextGeneratorTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(["abc abc abc"], new BpeTrainerOptions { VocabularySize = 270 });

    /// <summary>A model that always predicts the next token of a script, whatever the context.</summary>
    private sealed class ScriptedModel(IReadOnlyList<int> script, int vocabulary, int maxContext = 64) : ILogitsSource
    {
        private readonly float[] _logits = new float[vocabulary];
        public int Calls { get; private set; }
        public int MaxContext => maxContext;

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            Array.Clear(_logits);
            _logits[script[Math.Min(Calls++, script.Count - 1)]] = 10;
            return _logits;
        }
    }

    private static int[] Ids(string text) => Tokenizer.Encode(text).ToArray();

    [Fact]
    public void Stops_at_a_stop_sequence_and_leaves_it_out()
    {
        var model = new ScriptedModel([.. Ids("hello"), .. Ids(" END"), .. Ids(" more")], Tokenizer.VocabularySize);
        var streamed = new List<string>();
        var result = TextGenerator.Generate(model, Tokenizer, Ids("x"), new SamplingOptions { Temperature = 0, MaxNewTokens = 50, StopSequences = [" END"] }, streamed.Add);
        Assert.Equal("hello", result.Text);
        Assert.Equal(FinishReason.Stop, result.Finish);
        Assert.Equal("hello", string.Concat(streamed)); // nothing of the stop sequence was ever shown
    }

    [Fact]
    public void Stops_at_a_stop_token_or_the_budget()
    {
        int endOfText = Tokenizer.EndOfTextId!.Value;
        var stopped = TextGenerator.Generate(new ScriptedModel([.. Ids("ab"), endOfText, .. Ids("c")], Tokenizer.VocabularySize), Tokenizer, Ids("x"),
            new SamplingOptions { Temperature = 0 });
        Assert.Equal(("ab", FinishReason.Stop), (stopped.Text, stopped.Finish));

        var budget = TextGenerator.Generate(new ScriptedModel(Ids("abcabcabc"), Tokenizer.VocabularySize), Tokenizer, Ids("x"),
            new SamplingOptions { Temperature = 0, MaxNewTokens = 2 });
        Assert.Equal(2, budget.Tokens.Count);
        Assert.Equal(FinishReason.Length, budget.Finish);

        var context = TextGenerator.Generate(new ScriptedModel(Ids("abcabcabc"), Tokenizer.VocabularySize, maxContext: 3), Tokenizer, Ids("x"),
            new SamplingOptions { Temperature = 0, MaxNewTokens = 50 });
        Assert.Equal(3 - Ids("x").Length, context.Tokens.Count);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused()
    {
        var error = Assert.Throws<Core.SharpLMException>(() =>
            TextGenerator.Generate(new ScriptedModel([1], Tokenizer.VocabularySize, maxContext: 2), Tokenizer, [1, 2, 3], new SamplingOptions()));
        Assert.Equal("the prompt is 3 tokens, longer than the model's context of 2.", error.Message);
    }
}
