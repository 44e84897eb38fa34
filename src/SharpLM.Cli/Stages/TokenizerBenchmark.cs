using System.Diagnostics;
using System.Text;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Tokenizers;
using SharpLM.Tokenizers.Bpe;
using Spectre.Console;
using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;

namespace SharpLM.Cli.Stages;

/// <summary>
/// Tokenizer speed, each figure beside a reference measured in the same run: BPE training against
/// sentencepiece (spm_train --model_type=bpe, when on PATH) on the same text, and encoding throughput against
/// Microsoft.ML.Tokenizers' tiktoken on cl100k_base (both single-threaded, same text, same ids).
/// </summary>
public static class TokenizerBenchmark
{
    public static void Run(IReadOnlyList<string> corpusFiles, IReadOnlyList<int> vocabularySizes, int repeats)
    {
        var texts = corpusFiles.SelectMany(DocumentJsonl.Read).Select(d => d.Text).ToList();
        long bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        Display.Info($"corpus: {texts.Count} documents, {bytes / 1e6:F1} MB; {Environment.ProcessorCount} cores; best of {repeats}");

        var table = new Table().AddColumns("measurement", "SharpLM", "reference", "reference is", "ratio");
        string? textFile = WriteTextForSentencepiece(texts);
        foreach (int size in vocabularySizes)
        {
            double ours = Best(repeats, () => BpeTrainer.Train(texts, new BpeTrainerOptions { VocabularySize = size }));
            double? reference = textFile is null ? null : Best(repeats, () => RunSentencepiece(textFile, size));
            table.AddRow($"train BPE, vocabulary {size}", $"{ours:F2} s", reference is double r ? $"{r:F2} s" : "n/a",
                "spm_train --model_type=bpe", reference is double r2 ? $"{r2 / ours:F2}× faster" : "spm_train not installed");
        }

        var cl100k = TokenizerSource.Load(TokenizerSource.Cl100kBase);
        var oracle = TiktokenTokenizer.CreateForEncoding(TokenizerSource.Cl100kBase);
        foreach (string text in texts.Take(20))
            if (!cl100k.Encode(text, allowSpecial: false).SequenceEqual(oracle.EncodeToIds(text)))
                throw new Core.SharpLMException("cl100k_base encodings differ from Microsoft.ML.Tokenizers on the benchmark corpus; timings would not compare like with like.");
        double oursEncode = Best(repeats, () => { foreach (string t in texts) cl100k.Encode(t, allowSpecial: false); });
        double referenceEncode = Best(repeats, () => { foreach (string t in texts) oracle.EncodeToIds(t); });
        table.AddRow("encode cl100k_base, 1 thread", $"{bytes / 1e6 / oursEncode:F1} MB/s", $"{bytes / 1e6 / referenceEncode:F1} MB/s",
            "Microsoft.ML.Tokenizers 2.0.1", $"{referenceEncode / oursEncode:F2}× as fast");
        AnsiConsole.Write(table);
        if (textFile is not null) File.Delete(textFile);
    }

    private static double Best(int repeats, Action action)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static string? WriteTextForSentencepiece(List<string> texts)
    {
        if (!ExistsOnPath("spm_train")) return null;
        string path = Path.Combine(Path.GetTempPath(), $"sharplm-bench-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, texts.SelectMany(t => t.Split('\n')).Where(l => l.Length > 0));
        return path;
    }

    private static void RunSentencepiece(string textFile, int vocabularySize)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"sharplm-spm-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("spm_train", [
            $"--input={textFile}", $"--model_prefix={prefix}", "--model_type=bpe", $"--vocab_size={vocabularySize}",
            "--max_sentence_length=100000", $"--num_threads={Environment.ProcessorCount}",
            "--minloglevel=2",
        ]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        foreach (string file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(prefix) + ".*")) File.Delete(file);
        if (process.ExitCode != 0) throw new Core.SharpLMException($"spm_train failed: {error.Result.Trim().Split('\n').LastOrDefault()}");
    }

    private static bool ExistsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));
}
