using Microsoft.ML.OnnxRuntime.Tensors;
using SharpLM.Core.Models;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;
using static SharpLM.Onnx.Tests.OnnxExportTests;

namespace SharpLM.Onnx.Tests;

/// <summary>The exported key/value cache: a prefill, then decoding token by token on the returned presents, against the C# engine.</summary>
public class OnnxKvCacheTests
{
    private static IModelConfig Family(string family, int vocabSize = 97) => family switch
    {
        "llama" => TinyModelFolder.Config(vocabSize: vocabSize),
        "qwen3" => TinyModelFolder.Config(qkNorm: true, keyValueHeads: 1, vocabSize: vocabSize),
        _ => TinyModelFolder.Gpt2(vocabSize: vocabSize),
    };

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen3")]
    [InlineData("gpt2")]
    public void Prefill_then_token_by_token_decoding_gives_the_engines_logits(string family)
    {
        var config = Family(family);
        var (model, onnx) = Export(config, seed: 21);
        int[] tokens = Tokens(20, 3, config.VocabSize);
        const int prompt = 7;
        var expected = EngineLogits(EngineModel.Load(model), tokens);
        int vocab = config.VocabSize;

        using var decoder = new OnnxDecoder(onnx);
        var ids = new long[1, prompt];
        for (int t = 0; t < prompt; t++) ids[0, t] = tokens[t];
        var (logits, past) = decoder.Run(ids, Ones(prompt), decoder.EmptyPast(1));
        AssertClose(expected.AsSpan(0, prompt * vocab), logits.Buffer.Span, $"{family} prefill");
        for (int t = prompt; t < tokens.Length; t++)
        {
            (logits, past) = decoder.Run(new long[,] { { tokens[t] } }, Ones(t + 1), past);
            Assert.All(past.Values, p => Assert.Equal(t + 1, p.Dimensions[2]));
            AssertClose(expected.AsSpan(t * vocab, vocab), logits.Buffer.Span, $"{family} decode step at position {t}");
        }
    }

    [Fact]
    public void A_left_padded_batch_decodes_each_row_as_if_alone()
    {
        var config = Family("llama");
        var (model, onnx) = Export(config, seed: 22);
        var engine = EngineModel.Load(model);
        int[] longRow = Tokens(9, 4, config.VocabSize), shortRow = Tokens(5, 5, config.VocabSize);
        int padding = longRow.Length - shortRow.Length, vocab = config.VocabSize;
        var ids = new long[2, longRow.Length];
        var mask = new long[2, longRow.Length];
        for (int t = 0; t < longRow.Length; t++)
        {
            (ids[0, t], mask[0, t]) = (longRow[t], 1);
            (ids[1, t], mask[1, t]) = t < padding ? (5, 0) : (shortRow[t - padding], 1);
        }
        using var decoder = new OnnxDecoder(onnx);
        var (_, past) = decoder.Run(ids, mask, decoder.EmptyPast(2));
        int[] nextTokens = [11, 42];
        var stepMask = new long[2, longRow.Length + 1];
        for (int b = 0; b < 2; b++)
            for (int t = 0; t <= longRow.Length; t++) stepMask[b, t] = t == longRow.Length ? 1 : mask[b, t];
        var (logits, _) = decoder.Run(new long[,] { { nextTokens[0] }, { nextTokens[1] } }, stepMask, past);
        AssertClose(EngineLogits(engine, [.. longRow, nextTokens[0]]).AsSpan(longRow.Length * vocab, vocab), logits.Buffer.Span[..vocab], "full row");
        AssertClose(EngineLogits(engine, [.. shortRow, nextTokens[1]]).AsSpan(shortRow.Length * vocab, vocab), logits.Buffer.Span[vocab..], "padded row");
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Greedy_generation_through_the_cache_gives_the_engines_tokens_and_text(string family)
    {
        var tokenizer = BpeTrainer.Train(["the cat sat on the mat", "a dog ran"], new BpeTrainerOptions { VocabularySize = 270 });
        var config = Family(family, tokenizer.VocabularySize);
        var (model, onnx) = Export(config, seed: 23);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 24, StopAtEndOfText = false };
        int[] prompt = tokenizer.Encode("the cat").ToArray();
        var engine = EngineModel.Load(model);
        var expected = TextGenerator.Generate(new SessionLogitsSource(engine.NewSession(1)), tokenizer, prompt, options);
        using var decoder = new OnnxDecoder(onnx);
        var actual = TextGenerator.Generate(new OnnxDecoder.LogitsSource(decoder, engine.NewSession(1).MaxPositions), tokenizer, prompt, options);
        Assert.Equal(24, expected.Tokens.Count);
        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.Text, actual.Text);
    }

    private static long[,] Ones(int length)
    {
        var mask = new long[1, length];
        for (int t = 0; t < length; t++) mask[0, t] = 1;
        return mask;
    }
}
