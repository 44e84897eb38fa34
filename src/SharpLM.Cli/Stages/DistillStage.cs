using System.Security.Cryptography;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.Inference;
using SharpLM.PostTraining.Distillation;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Native;
using SharpLM.Training.Pretraining;

namespace SharpLM.Cli.Stages;

/// <summary>Who the student is: a new model of a config's shape, or an existing model folder.</summary>
public sealed record DistillStudent(string Path, bool IsModelFolder);

/// <summary>
/// Knowledge distillation: pretraining's stage (shards, run folder, checkpoints, exact resume, metrics.jsonl,
/// progress, loss.png, model/) with <see cref="DistillObjective"/> as the objective and the teacher on the C# engine.
/// </summary>
public static class DistillStage
{
    public static PretrainResult Run(string teacherDirectory, DistillStudent student, PretrainConfig config, string? tokenizerPath, string trainShard,
        string? validationShard, RunFolder run, MetricsWriter metrics, DistillOptions options, bool resume)
    {
        TorchRuntime.EnsureLoaded();
        var teacherFolder = ModelFolder.Open(teacherDirectory, "teacher");
        var teacherTokenizer = ModelFolderTokenizer.Load(teacherFolder);
        var (tokenizer, tokenizerFile, studentLogits) = StudentVocabulary(student, tokenizerPath, teacherFolder, teacherTokenizer);
        SharedVocabulary.Require(teacherFolder.TokenizerPath, teacherTokenizer, tokenizerFile, tokenizer);
        SharedVocabulary.RequireSameLogits(teacherFolder.ConfigPath, teacherFolder.Config.VocabSize, student.Path, studentLogits);
        options = options with { TeacherFingerprint = Fingerprint(teacherFolder.WeightsPath) };
        options.Validate("distill", teacherFolder.Config.VocabSize);
        int sequenceLength = config.Training.SequenceLength;
        if (sequenceLength > teacherFolder.Config.MaxPositionEmbeddings)
            throw new SharpLMException($"{teacherFolder.ConfigPath}: the teacher's max_position_embeddings ({teacherFolder.Config.MaxPositionEmbeddings}) is shorter than training.sequence_length ({sequenceLength}).");

        int threads = config.Training.Threads > 0 ? config.Training.Threads : Environment.ProcessorCount;
        var teacher = options.UsesTeacher ? new EngineTeacher(EngineModel.Load(teacherFolder), threads) : null;
        Display.Info($"teacher: {teacherFolder.Config.ModelType}, {teacherFolder.Config.ParameterCount / 1e6:F2}M parameters" +
                     (teacher is null ? "; alpha 0, so it is not run and this is plain pretraining" : $"; top {options.TopK} tokens at temperature {options.Temperature}, alpha {options.Alpha}"));
        metrics.Write("distill_start", new Dictionary<string, object?>
        {
            ["teacher"] = Path.GetFullPath(teacherDirectory), ["teacher_parameters"] = teacherFolder.Config.ParameterCount,
            ["student"] = Path.GetFullPath(student.Path), ["top_k"] = options.TopK, ["temperature"] = options.Temperature, ["alpha"] = options.Alpha,
        });

        DistillObjective? objective = null;
        var shardObjective = new ShardObjective("distilling",
            (train, validation) => objective = new DistillObjective(new TokenWindowObjective(train, validation, config.Training, trackData: true), teacher, options),
            report =>
            {
                var record = new Dictionary<string, object?> { ["step"] = report.Step, ["loss"] = report.Loss };
                foreach (var (name, value) in objective!.StepMetrics) record[name] = value;
                metrics.Write("distill_step", record);
            });
        var result = PretrainStage.Run(config, tokenizer, trainShard, validationShard, run, metrics, resume,
            initFrom: student.IsModelFolder ? student.Path : null, objective: shardObjective);
        metrics.Write("distill_end", new Dictionary<string, object?>
        {
            ["steps"] = result.Summary.Steps, ["loss"] = result.Summary.FinalLoss, ["val_loss"] = result.Summary.FinalValidationLoss,
            ["val_perplexity"] = result.Summary.FinalValidationLoss is double v ? Math.Exp(v) : null,
        });
        return result;
    }

    /// <summary>
    /// The student's tokenizer, the file it came from, and its number of logits: a model folder's own; for a config, the
    /// --tokenizer given or else the teacher's (the vocabulary size then being the tokenizer's, as pretrain builds it).
    /// </summary>
    private static (BpeTokenizer Tokenizer, string File, int Logits) StudentVocabulary(DistillStudent student, string? tokenizerPath,
        ModelFolder teacherFolder, BpeTokenizer teacherTokenizer)
    {
        if (student.IsModelFolder)
        {
            if (tokenizerPath is not null)
                throw new SharpLMException($"--tokenizer applies to a student config; the student folder {student.Path} has its own tokenizer.json.");
            var folder = ModelFolder.Open(student.Path, "student");
            return (ModelFolderTokenizer.Load(folder), folder.TokenizerPath, folder.Config.VocabSize);
        }
        var tokenizer = tokenizerPath is null ? teacherTokenizer : TokenizerStage.Open(tokenizerPath);
        return (tokenizer, tokenizerPath ?? teacherFolder.TokenizerPath, tokenizer.VocabularySize);
    }

    private static string Fingerprint(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
