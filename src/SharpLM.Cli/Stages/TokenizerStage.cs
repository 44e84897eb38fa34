using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Corpus;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Stages;

/// <summary>Tokenizer stage: train byte-level BPE on documents; encode documents into token shards.</summary>
public static class TokenizerStage
{
    public static BpeTokenizer Train(IReadOnlyList<string> documentFiles, string outputPath, BpeTrainerOptions options)
    {
        var tokenizer = Display.Progress("training tokenizer", options.VocabularySize - 256 - options.SpecialTokens.Count, sink =>
            BpeTrainer.Train(documentFiles.SelectMany(DocumentJsonl.Read).Select(d => d.Text), options,
                new ImmediateProgress<BpeTrainingProgress>(p => sink.Report(p.Phase == "merging" ? p.Done : 0,
                    p.Phase == "merging" ? $"merge {p.Done}/{p.Total}" : $"counting words in document {p.Done}"))));
        TokenizerJson.Save(tokenizer, outputPath);
        return tokenizer;
    }

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
        string validationPath, double validationFraction)
    {
        long totalBytes = documentFiles.Sum(f => new FileInfo(DocumentJsonl.RequireFile(f)).Length);
        return Display.Progress("encoding corpus", totalBytes, sink =>
            CorpusEncoder.Encode(documentFiles.SelectMany(DocumentJsonl.Read), tokenizer, trainPath, validationPath, validationFraction,
                new ImmediateProgress<long>(bytes => sink.Report(bytes, $"{bytes / 1e6:F1} MB"))));
    }
}
