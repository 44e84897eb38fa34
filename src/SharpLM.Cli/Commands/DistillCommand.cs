using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Runs;
using SharpLM.PostTraining.Distillation;
using SharpLM.Training.Pretraining;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm distill`: train a smaller student on a teacher's next-token distributions mixed with the data's loss.</summary>
public static class DistillCommand
{
    public static Command Create()
    {
        var teacher = new Option<string>("--teacher") { Description = "Teacher model folder, run by the C# engine.", Required = true };
        var student = new Option<string>("--student") { Description = "Student: a pretrain config JSON (a new model of its shape, trained with its training section) or a model folder to continue from.", Required = true };
        var train = new Option<string>("--train") { Description = "Training token shard (.tok), encoded with the teacher's tokenizer.", Required = true };
        var validation = new Option<string?>("--val") { Description = "Validation token shard (.tok): its cross-entropy is the run's val_loss." };
        var tokenizerPath = new Option<string?>("--tokenizer", "-t") { Description = "tokenizer.json of a config student (default: the teacher's); must be the teacher's vocabulary." };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: pretrain.json, metrics.jsonl, checkpoints/ and model/ are written here.", Required = true };
        var config = new Option<string?>("--config", "-c") { Description = "Training settings for a model-folder student (a pretrain config; its model section is not used)." };
        var steps = new Option<int?>("--steps") { Description = "Override training.steps." }.AtLeast(1);
        var device = new Option<string?>("--device") { Description = "Override training.device: cpu, cuda or cuda:N." };
        var topK = new Option<int>("--top-k") { Description = "Teacher tokens kept per position; the rest is one bucket.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var temperature = new Option<double>("--temperature") { Description = "Temperature both distributions are softened by.", DefaultValueFactory = _ => 2.0 };
        var alpha = new Option<double>("--alpha") { Description = "Weight of the distillation term: alpha·T²·KL + (1 − alpha)·cross-entropy.", DefaultValueFactory = _ => 0.5 }.Between(0, 1);
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (give the same options)." };
        var command = new Command("distill", "Knowledge distillation: train a student on a teacher's top-k next-token distributions (KL at a temperature) mixed with the data loss.")
            { teacher, student, train, validation, tokenizerPath, output, config, steps, device, topK, temperature, alpha, resume };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new DistillOptions { TopK = parse.GetValue(topK), Temperature = parse.GetValue(temperature), Alpha = parse.GetValue(alpha) };
            options.Validate("distill");
            string studentPath = parse.GetValue(student)!;
            var who = new DistillStudent(studentPath, Directory.Exists(studentPath));
            if (!who.IsModelFolder && !File.Exists(studentPath))
                throw new SharpLMException($"--student {studentPath}: no such config file or model folder.");
            if (!who.IsModelFolder && parse.GetValue(config) is not null)
                throw new SharpLMException($"--config applies to a model-folder student; the student config {studentPath} holds the training settings.");
            var settings = who.IsModelFolder ? parse.GetValue(config) is string path ? PretrainConfig.Load(path) : new PretrainConfig() : PretrainConfig.Load(studentPath);
            if (parse.GetValue(steps) is int n) settings = settings with { Training = settings.Training with { Steps = n } };
            if (parse.GetValue(device) is string d) settings = settings with { Training = settings.Training with { Device = d } };

            var run = new RunFolder(parse.GetValue(output)!);
            using var claim = run.Lock();
            using var metrics = new MetricsWriter(run.Metrics);
            var result = DistillStage.Run(parse.GetValue(teacher)!, who, settings, parse.GetValue(tokenizerPath), parse.GetValue(train)!, parse.GetValue(validation),
                run, metrics, options, parse.GetValue(resume));
            PretrainReport.Write(run, settings, result);
            Console.WriteLine($"reached step {result.Summary.Steps} after {result.Summary.Elapsed.TotalSeconds:F0} s: loss {result.Summary.FinalLoss:F3}" +
                              (result.Summary.FinalValidationLoss is double v ? $", validation loss {v:F3} (perplexity {Math.Exp(v):F1})" : "") +
                              $"; student saved to {result.ModelDirectory}");
            return 0;
        }));
        return command;
    }
}
