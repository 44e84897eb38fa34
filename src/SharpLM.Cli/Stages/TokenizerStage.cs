using SharpLM.Cli.Terminal;
using SharpLM.Tokenizers;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.Formats.Chat;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.Corpus;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Stages;

/// <summary>Tokenizer stage: train byte-level BPE on documents; encode documents into token shards.</summary>
public static class TokenizerStage
{
    /// <summary>
    /// Opens a tokenizer by name or path (see <see cref="TokenizerSource.Load"/>) and prints its warning, if any:
    /// ids so sparse that a model built on it would spend most embedding rows on ids no token has.
    /// </summary>
    public static BpeTokenizer Open(string nameOrPath, string? pattern = null)
    {
        var tokenizer = TokenizerSource.Load(nameOrPath, pattern);
        if (tokenizer.SparseIdsWarning is { } warning) Console.Error.WriteLine($"sharplm: warning: {warning}");
        return tokenizer;
    }

    public static BpeTokenizer Train(IReadOnlyList<string> documentFiles, string outputPath, BpeTrainerOptions options)
    {
        var tokenizer = Display.Progress("training tokenizer", options.VocabularySize - 256 - options.SpecialTokens.Count, sink =>
            BpeTrainer.Train(documentFiles.SelectMany(DocumentJsonl.Read).Select(d => d.Text), options,
                new ImmediateProgress<BpeTrainingProgress>(p => sink.Report(p.Phase == "merging" ? p.Done : 0, Describe(p)))));
        TokenizerJson.Save(tokenizer, outputPath);
        return tokenizer;
    }

    private static string Describe(BpeTrainingProgress progress) =>
        progress.Phase != "merging" ? $"counting words in document {progress.Done}"
        : progress.StoppedEarly is null ? $"merge {progress.Done}/{progress.Total}"
        : $"merge {progress.Done}/{progress.Total}: merges stopped early, {progress.StoppedEarly}";

    /// <summary>Encodes train and validation documents already split by the data pipeline.</summary>
    public static CorpusEncodingResult EncodeSplit(BpeTokenizer tokenizer, IReadOnlyList<string> trainFiles, IReadOnlyList<string> validationFiles,
        string trainPath, string validationPath)
    {
        long totalBytes = trainFiles.Concat(validationFiles).Sum(f => new FileInfo(DocumentJsonl.RequireFile(f)).Length);
        return Display.Progress("encoding corpus", totalBytes, sink =>
            CorpusEncoder.Encode(trainFiles.SelectMany(DocumentJsonl.Read), validationFiles.SelectMany(DocumentJsonl.Read), tokenizer, trainPath, validationPath,
                new ImmediateProgress<long>(bytes => sink.Report(bytes, $"{bytes / 1e6:F1} MB"))));
    }

    public static CorpusEncodingResult EncodeCorpus(BpeTokenizer tokenizer, IReadOnlyList<string> documentFiles, string trainPath,
        string validationPath, double validationFraction, IReadOnlyList<string>? conversationFiles = null)
    {
        long totalBytes = documentFiles.Sum(f => new FileInfo(DocumentJsonl.RequireFile(f)).Length);
        var conversations = Conversations(tokenizer, conversationFiles, documentFiles);
        return Display.Progress("encoding corpus", totalBytes, sink =>
            CorpusEncoder.Encode(documentFiles.SelectMany(DocumentJsonl.Read), tokenizer, trainPath, validationPath, validationFraction,
                new ImmediateProgress<long>(bytes => sink.Report(bytes, $"{bytes / 1e6:F1} MB")), conversations));
    }

    /// <summary>
    /// Renders every conversation of the chat JSONL files (any shape <see cref="ChatJsonl"/> reads) with the tokenizer's
    /// chat template, to be spread among the documents of <paramref name="documentFiles"/>.
    /// </summary>
    private static ConversationMix? Conversations(BpeTokenizer tokenizer, IReadOnlyList<string>? conversationFiles, IReadOnlyList<string> documentFiles)
    {
        if (conversationFiles is not { Count: > 0 }) return null;
        var template = new ChatTemplate(tokenizer);
        var rendered = new List<int[]>();
        foreach (string file in conversationFiles)
        {
            foreach (var example in ChatJsonl.Read(file))
            {
                try
                {
                    rendered.Add(template.RenderTurns(example.Turns).Ids);
                }
                catch (Core.SharpLMException e)
                {
                    throw new Core.SharpLMException($"{file}:{example.Line}: {e.Message}");
                }
            }
        }
        // Counted through the documents reader, so gzip-compressed shards count their documents, not their bytes' lines.
        long documents = documentFiles.Sum(f => DocumentJsonl.Read(f).LongCount());
        return new ConversationMix(rendered, documents);
    }
}
