using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.PostTraining.Judging;
using SharpLM.PostTraining.Reward;
using SharpLM.PostTraining.Rl;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm eval win-rate --model A --baseline B --prompts FILE (--reward-model RM | --verifier) --out judgements.jsonl`:
/// both models answer every prompt greedily on the C# engine, a judge prefers one answer, and the judgements are
/// written as the pairwise JSONL that `eval report --pairwise` turns into win rates, Bradley–Terry and Elo.
/// </summary>
public static class EvalWinRateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model whose win rate is measured (a model folder, e.g. the DPO model).", Required = true };
        var baseline = new Option<string>("--baseline") { Description = "The model it is compared against (e.g. the SFT model).", Required = true };
        var adapter = new Option<string?>("--adapter") { Description = "A PEFT adapter (LoRA or prompt tuning) applied to --model as it loads; the model is then named after the adapter's run." };
        var baselineAdapter = new Option<string?>("--baseline-adapter") { Description = "A PEFT adapter applied to --baseline as it loads." };
        var prompts = new Option<string>("--prompts")
        {
            Description = "Prompts JSONL: {\"prompt\": string or messages, \"answer\"} lines; `data synth`'s preference and word-problem files as they are.",
            Required = true,
        };
        var rewardModel = new Option<string?>("--reward-model") { Description = "Judge with this reward model (`sharplm reward`'s model folder or run folder): the higher reward wins." };
        var verifier = new Option<bool>("--verifier") { Description = "Judge by exact answer match against each prompt's answer: a right answer beats a wrong one, otherwise a tie." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var output = new Option<string>("--out", "-o") { Description = "Judgements JSONL to write (prompt, both answers and scores, preferred).", Required = true };
        var threads = new Option<int>("--threads") { Description = "Engine threads (0: every core).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("win-rate", "Win rate of one model against another: greedy answers to the same prompts, judged by a reward model or by exact answer match.")
            { model, baseline, adapter, baselineAdapter, prompts, rewardModel, verifier, maxNewTokens, output, threads };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string? judgePath = parse.GetValue(rewardModel);
            bool verify = parse.GetValue(verifier);
            if (verify == (judgePath is not null)) throw new SharpLMException("give exactly one judge: --reward-model DIR or --verifier.");
            string outputPath = InputFiles.RequireOutputFile(parse.GetValue(output)!, "--out");
            int threadCount = parse.GetValue(threads) is > 0 and var t ? t : Environment.ProcessorCount;
            var questions = RlPrompts.Read(parse.GetValue(prompts)!, answerRequired: verify);
            string modelPath = parse.GetValue(model)!, baselinePath = parse.GetValue(baseline)!;
            string? adapterPath = parse.GetValue(adapter), baselineAdapterPath = parse.GetValue(baselineAdapter);
            var a = Contestant.Load(Name(adapterPath ?? modelPath), modelPath, adapterPath, threadCount);
            var b = Contestant.Load(Name(baselineAdapterPath ?? baselinePath), baselinePath, baselineAdapterPath, threadCount);
            if (a.Name == b.Name) throw new SharpLMException($"the two models are both named '{a.Name}' (after their folders); compare two different models.");
            Func<RlPrompt, string, double> judge = HeadToHead.Verify;
            string judgeName = "verifier";
            if (judgePath is not null)
            {
                var reward = EngineRewardModel.Load(judgePath, threadCount);
                judge = (prompt, answer) => reward.Score(prompt.Prompt, answer);
                judgeName = "reward-model:" + Path.GetFullPath(judgePath);
            }
            var results = WinRateStage.Judge(a, b, questions, parse.GetValue(maxNewTokens), judge);
            WinRateStage.Write(outputPath, results, judgeName);
            Console.WriteLine($"{a.Name} against {b.Name} ({judgeName}, {results.Count} prompts): {WinRateStage.Summarize(results)}");
            Console.WriteLine($"judgements: {outputPath} (for `sharplm eval report --pairwise`)");
            return 0;
        }));
        return command;
    }

    /// <summary>A model's name in the judgements: its folder's name, or its run folder's for a run's model/ or adapter/ folder.</summary>
    private static string Name(string directory)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string name = Path.GetFileName(full);
        return name is "model" or "adapter" && Path.GetDirectoryName(full) is { } parent ? Path.GetFileName(parent) : name;
    }
}
