using SharpLM.Core.IO;

namespace SharpLM.Core.Runs;

/// <summary>
/// The fixed layout of a run folder, so every stage and tool finds the same files:
/// <code>
/// run.json            what was run: command, options, versions
/// pretrain.json       the pretraining config the run uses (a resume reads it back)
/// model_config.json   the model's architecture, recorded when training starts
/// metrics.jsonl       machine-readable metrics, one JSON object per line
/// report.md           human-readable summary
/// loss.png            training and validation loss by step
/// checkpoints/        resumable training checkpoints (step-NNNNNNNN/)
/// tensorboard/        TensorBoard event files
/// data/               documents JSONL and token shards
/// tokenizer/          tokenizer.json
/// model/              Hugging Face layout: config.json, model.safetensors, tokenizer.json
/// </code>
/// </summary>
public sealed class RunFolder
{
    public string Root { get; }

    public RunFolder(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>Claims the folder for this process; a second writer is refused with a message naming the holder.</summary>
    public FolderLock Lock() => FolderLock.Acquire(Root);

    public const string PretrainConfigFile = "pretrain.json";
    public const string ModelConfigFile = "model_config.json";

    public string RunJson => Path.Combine(Root, "run.json");
    public string PretrainConfig => Path.Combine(Root, PretrainConfigFile);
    public string ModelConfig => Path.Combine(Root, ModelConfigFile);
    public string TensorBoardDirectory => Path.Combine(Root, "tensorboard");
    public string CheckpointsDirectory => CheckpointsIn(Root);

    /// <summary>The checkpoints folder of the run folder at <paramref name="root"/> (for code that holds only the path).</summary>
    public static string CheckpointsIn(string root) => Path.Combine(root, "checkpoints");
    public string Metrics => Path.Combine(Root, "metrics.jsonl");
    public string Report => Path.Combine(Root, "report.md");
    public string LossCurve => Path.Combine(Root, "loss.png");
    public string DataDirectory => Ensure(Path.Combine(Root, "data"));
    public string RawDocuments => Path.Combine(DataDirectory, "documents.jsonl");
    public string CleanDocuments => Path.Combine(DataDirectory, "clean.jsonl");
    public string TrainShard => Path.Combine(DataDirectory, "train.tok");
    public string ValidationShard => Path.Combine(DataDirectory, "val.tok");
    public string TokenizerDirectory => Ensure(Path.Combine(Root, "tokenizer"));
    public string TokenizerJson => Path.Combine(TokenizerDirectory, "tokenizer.json");
    public string ModelDirectory => Path.Combine(Root, "model");

    private static string Ensure(string directory)
    {
        Directory.CreateDirectory(directory);
        return directory;
    }
}
