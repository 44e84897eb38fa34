using System.CommandLine;
using System.Text.Json;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Tokenizers;
using SharpLM.Tokenizers.Audit;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Tokenizers.Tiktoken;
using Spectre.Console;

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
        command.Subcommands.Add(Audit());
        command.Subcommands.Add(Convert());
        return command;
    }

    private static Command Train()
    {
        var inputs = new Option<string[]>("--in", "-i") { Description = "Documents JSONL file(s) to train on.", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out", "-o") { Description = "tokenizer.json to write.", Required = true };
        var vocabulary = new Option<int>("--vocab-size") { Description = "Vocabulary size including 256 byte tokens and special tokens.", DefaultValueFactory = _ => 4096 };
        var minFrequency = new Option<int>("--min-frequency") { Description = "Do not learn merges of pairs seen fewer times.", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var pattern = new Option<string>("--pattern") { Description = "Pre-tokenizer: gpt2, cl100k, o200k or a regular expression.", DefaultValueFactory = _ => "gpt2" };
        var specials = new Option<string[]>("--special-tokens")
        {
            Description = "Special tokens, reserved at the top ids in this order.", DefaultValueFactory = _ => [.. SpecialTokens.Default],
            AllowMultipleArgumentsPerToken = true,
        };
        var train = new Command("train", "Train a byte-level BPE tokenizer (GPT-2 byte alphabet; <|endoftext|>, <|pad|>, <|im_start|>, <|im_end|> special tokens).")
            { inputs, output, vocabulary, minFrequency, pattern, specials };
        train.SetAction(parse => CliRunner.Run(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string[] specialTokens = parse.GetValue(specials)!;
            int empty = Array.FindIndex(specialTokens, string.IsNullOrWhiteSpace);
            if (empty >= 0) throw new Core.SharpLMException($"option --special-tokens: token {empty + 1} of {specialTokens.Length} is empty or only whitespace; give each special token as text such as <|endoftext|>.");
            var tokenizer = TokenizerStage.Train(parse.GetValue(inputs)!, Core.IO.InputFiles.RequireOutputFile(parse.GetValue(output)!, "--out"),
                new BpeTrainerOptions
                {
                    VocabularySize = parse.GetValue(vocabulary), MinPairFrequency = parse.GetValue(minFrequency),
                    PreTokenizerPattern = PreTokenizerPatterns.Resolve(parse.GetValue(pattern)!), SpecialTokens = specialTokens,
                });
            int reserved = tokenizer.VocabularySize - tokenizer.Vocabulary.Count - specialTokens.Length;
            string reservedNote = reserved > 0 ? $" ({reserved} of them reserved: the corpus ran out of merges; a smaller --vocab-size avoids them)" : "";
            Console.WriteLine($"wrote {parse.GetValue(output)}: {tokenizer.VocabularySize} tokens{reservedNote}, {tokenizer.Merges.Count} merges, {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return train;
    }

    private static Option<string> TokenizerOption() =>
        new("--tokenizer", "-t") { Description = $"A tokenizer.json, a .tiktoken rank file, or a built-in name ({string.Join(", ", TokenizerSource.BuiltInNames)}).", Required = true };

    /// <summary>The pre-tokenizer of a .tiktoken file, which records none; tokenizer.json files and built-ins carry their own.</summary>
    private static Option<string> PatternOption() =>
        new("--pattern") { Description = "Pre-tokenizer of a .tiktoken file (required there): gpt2, cl100k, o200k or a regular expression." };

    private static BpeTokenizer Open(ParseResult parse, Option<string> tokenizer, Option<string> pattern) =>
        TokenizerStage.Open(parse.GetValue(tokenizer)!, parse.GetValue(pattern));

    private static Command Encode()
    {
        var tokenizerPath = TokenizerOption();
        var pattern = PatternOption();
        var text = new Option<string>("--text") { Description = "Text to encode.", Required = true };
        var encode = new Command("encode", "Print the token ids of a text as a JSON array.") { tokenizerPath, pattern, text };
        encode.SetAction(parse => CliRunner.Run(() =>
        {
            var tokenizer = Open(parse, tokenizerPath, pattern);
            Console.WriteLine(JsonSerializer.Serialize(tokenizer.Encode(parse.GetValue(text)!)));
            return 0;
        }));
        return encode;
    }

    private static Command Decode()
    {
        var tokenizerPath = TokenizerOption();
        var ids = new Option<string>("--ids") { Description = "Token ids as a JSON array, e.g. [15496, 995].", Required = true };
        var pattern = PatternOption();
        var decode = new Command("decode", "Print the text of a JSON array of token ids.") { tokenizerPath, pattern, ids };
        decode.SetAction(parse => CliRunner.Run(() =>
        {
            var tokenizer = Open(parse, tokenizerPath, pattern);
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
        var conversations = new Option<string[]>("--conversations")
        {
            Description = "Chat JSONL file(s) (OpenAI messages, ShareGPT, Alpaca or prompt/completion) to render with the tokenizer's chat template and spread through the training shard, so the model learns the chat tokens in pretraining.",
            AllowMultipleArgumentsPerToken = true,
        };
        var pattern = PatternOption();
        var command = new Command("encode-corpus", "Encode documents into train/validation token shards (memory-mappable binary).")
            { tokenizerPath, pattern, inputs, outDir, fraction, conversations };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            double share = parse.GetValue(fraction);
            if (share is < 0 or >= 1) throw new Core.SharpLMException($"option --val-fraction must be in [0, 1), got {share}.");
            var tokenizer = Open(parse, tokenizerPath, pattern);
            string dir = parse.GetValue(outDir)!;
            var result = TokenizerStage.EncodeCorpus(tokenizer, parse.GetValue(inputs)!, Path.Combine(dir, "train.tok"), Path.Combine(dir, "val.tok"), share,
                parse.GetValue(conversations));
            Console.WriteLine($"train.tok: {result.TrainTokens:N0} tokens in {result.TrainDocuments} documents" +
                              (result.TrainConversations > 0 ? $" (of which {result.TrainConversations} conversations); " : "; ") +
                              $"val.tok: {result.ValidationTokens:N0} tokens in {result.ValidationDocuments} documents; " +
                              $"{result.Bytes / (double)Math.Max(1, result.TrainTokens + result.ValidationTokens):F2} bytes/token");
            return 0;
        }));
        return command;
    }

    private static Command Audit()
    {
        var tokenizers = new Option<string[]>("--tokenizer", "-t")
        {
            Description = "One or more tokenizers to compare (tokenizer.json, .tiktoken or built-in name).", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var inputs = new Option<string[]>("--in", "-i") { Description = "Documents JSONL file(s).", Required = true, AllowMultipleArgumentsPerToken = true };
        var top = new Option<int>("--top") { Description = "How many of the most frequent tokens to list.", DefaultValueFactory = _ => 8 }.AtLeast(0);
        var pattern = PatternOption();
        var command = new Command("audit", "Per data set: bytes per token, tokens per word, byte-fallback rate and frequent tokens, tokenizers side by side.")
            { tokenizers, pattern, inputs, top };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string[] names = parse.GetValue(tokenizers)!;
            if (parse.GetValue(pattern) is not null && !names.Any(IsRankFile))
                throw new Core.SharpLMException("option --pattern applies only to .tiktoken files, and none of the --tokenizer values is one.");
            var documents = parse.GetValue(inputs)!.SelectMany(DocumentJsonl.Read).ToList();
            var table = new Table().AddColumns("data set", "tokenizer", "docs", "MB", "bytes/token", "tokens/word", "byte fallback", "most frequent tokens");
            foreach (string name in names)
            {
                var tokenizer = TokenizerStage.Open(name, IsRankFile(name) ? parse.GetValue(pattern) : null);
                foreach (var row in TokenizerAudit.Run(tokenizer, documents, TokenizerAudit.DataSetOf, parse.GetValue(top)))
                    table.AddRow(Markup.Escape(row.Group), Markup.Escape(Path.GetFileName(name) == "tokenizer.json" ? name : Path.GetFileName(name)),
                        row.Documents.ToString(), $"{row.Bytes / 1e6:F2}", $"{row.BytesPerToken:F2}", $"{row.TokensPerWord:F2}", $"{100 * row.ByteFallbackRate:F2}%",
                        Markup.Escape(string.Join(" ", row.MostFrequent.Select(t => System.Text.Json.JsonSerializer.Serialize(t.Token)))));
            }
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static bool IsRankFile(string name) => name.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase);

    private static Command Convert()
    {
        var tokenizerPath = TokenizerOption();
        var pattern = PatternOption();
        var output = new Option<string>("--out", "-o") { Description = "tokenizer.json or .tiktoken file to write.", Required = true };
        var command = new Command("convert", "Convert between tokenizer.json and tiktoken rank files (cl100k_base included).") { tokenizerPath, pattern, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var tokenizer = Open(parse, tokenizerPath, pattern);
            string target = parse.GetValue(output)!;
            if (target.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase)) TiktokenRankFile.Write(tokenizer, target);
            else TokenizerJson.Save(tokenizer, target);
            Console.WriteLine($"wrote {target}: {tokenizer.Vocabulary.Count} tokens, {tokenizer.Merges.Count} merges, {tokenizer.Specials.Count} special tokens");
            return 0;
        }));
        return command;
    }
}
