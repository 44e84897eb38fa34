using System.CommandLine;
using System.Text.Json;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Commands;

public static class TokenizerCommands
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Train and apply byte-level BPE tokenizers (Hugging Face tokenizer.json).");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Encode());
        command.Subcommands.Add(Decode());
        command.Subcommands.Add(EncodeCorpus());
        return command;
    }

    private static Command Train()
    {
        var inputs = new Option<string[]>("--in", "-i") { Description = "Documents JSONL file(s) to train on.", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out", "-o") { Description = "tokenizer.json to write.", Required = true };
        var vocabulary = new Option<int>("--vocab-size") { Description = "Vocabulary size including 256 byte tokens and special tokens.", DefaultValueFactory = _ => 4096 };
        var minFrequency = new Option<int>("--min-frequency") { Description = "Do not learn merges of pairs seen fewer times.", DefaultValueFactory = _ => 2 };
        var train = new Command("train", "Train a byte-level BPE tokenizer (GPT-2 alphabet and pre-tokenizer, <|endoftext|> special token).")
            { inputs, output, vocabulary, minFrequency };
        train.SetAction(parse => CliRunner.Run(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var tokenizer = TokenizerStage.Train(parse.GetValue(inputs)!, parse.GetValue(output)!,
                new BpeTrainerOptions { VocabularySize = parse.GetValue(vocabulary), MinPairFrequency = parse.GetValue(minFrequency) });
            Console.WriteLine($"wrote {parse.GetValue(output)}: {tokenizer.VocabularySize} tokens, {tokenizer.Merges.Count} merges, {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return train;
    }

    private static Option<string> TokenizerOption() =>
        new("--tokenizer", "-t") { Description = "Path to a tokenizer.json.", Required = true };

    private static Command Encode()
    {
        var tokenizerPath = TokenizerOption();
        var text = new Option<string>("--text") { Description = "Text to encode.", Required = true };
        var encode = new Command("encode", "Print the token ids of a text as a JSON array.") { tokenizerPath, text };
        encode.SetAction(parse => CliRunner.Run(() =>
        {
            var tokenizer = TokenizerJson.Load(parse.GetValue(tokenizerPath)!);
            Console.WriteLine(JsonSerializer.Serialize(tokenizer.Encode(parse.GetValue(text)!)));
            return 0;
        }));
        return encode;
    }

    private static Command Decode()
    {
        var tokenizerPath = TokenizerOption();
        var ids = new Option<string>("--ids") { Description = "Token ids as a JSON array, e.g. [15496, 995].", Required = true };
        var decode = new Command("decode", "Print the text of a JSON array of token ids.") { tokenizerPath, ids };
        decode.SetAction(parse => CliRunner.Run(() =>
        {
            var tokenizer = TokenizerJson.Load(parse.GetValue(tokenizerPath)!);
            Console.WriteLine(tokenizer.Decode(CliRunner.ParseIdList(parse.GetValue(ids)!, "--ids")));
            return 0;
        }));
        return decode;
    }

    private static Command EncodeCorpus()
    {
        var tokenizerPath = TokenizerOption();
        var inputs = new Option<string[]>("--in", "-i") { Description = "Documents JSONL file(s).", Required = true, AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<string>("--out-dir", "-o") { Description = "Folder for train.tok and val.tok.", Required = true };
        var fraction = new Option<double>("--val-fraction") { Description = "Share of documents (by id hash) for validation.", DefaultValueFactory = _ => 0.05 };
        var command = new Command("encode-corpus", "Encode documents into train/validation token shards (memory-mappable binary).")
            { tokenizerPath, inputs, outDir, fraction };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            double share = parse.GetValue(fraction);
            if (share is < 0 or >= 1) throw new Core.SharpLMException($"option --val-fraction must be in [0, 1), got {share}.");
            var tokenizer = TokenizerJson.Load(parse.GetValue(tokenizerPath)!);
            string dir = parse.GetValue(outDir)!;
            var result = TokenizerStage.EncodeCorpus(tokenizer, parse.GetValue(inputs)!, Path.Combine(dir, "train.tok"), Path.Combine(dir, "val.tok"), share);
            Console.WriteLine($"train.tok: {result.TrainTokens:N0} tokens in {result.TrainDocuments} documents; " +
                              $"val.tok: {result.ValidationTokens:N0} tokens in {result.ValidationDocuments} documents; " +
                              $"{result.Bytes / (double)Math.Max(1, result.TrainTokens + result.ValidationTokens):F2} bytes/token");
            return 0;
        }));
        return command;
    }
}
