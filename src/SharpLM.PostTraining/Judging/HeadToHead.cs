using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.PostTraining.Rl;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.PostTraining.Judging;

/// <summary>One model's greedy answer to a prompt and the judge's score of it.</summary>
public sealed record JudgedAnswer(string Model, string Response, double Score);

/// <summary>Two models' answers to one prompt, judged: the higher score wins, equal scores tie.</summary>
public sealed record HeadToHeadResult(RlPrompt Prompt, JudgedAnswer A, JudgedAnswer B)
{
    /// <summary>"a", "b" or "tie": the words of the pairwise JSONL that `eval report --pairwise` reads.</summary>
    public string Preferred => A.Score > B.Score ? "a" : B.Score > A.Score ? "b" : "tie";
}

/// <summary>A model in a head-to-head: its name in the judgements, its engine and its own chat template.</summary>
public sealed class Contestant
{
    private readonly EngineModel _model;
    private readonly RolloutSampler _sampler;

    private Contestant(string name, EngineModel model, RolloutSampler sampler)
    {
        Name = name;
        _model = model;
        _sampler = sampler;
    }

    public string Name { get; }

    /// <summary>Loads a model folder (with a PEFT adapter applied, LoRA or prompt tuning) onto the C# engine; each model renders prompts with its own tokenizer.</summary>
    public static Contestant Load(string name, string directory, string? adapter, int threads)
    {
        var folder = ModelFolder.Open(directory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        return new Contestant(name, EngineModel.Load(folder, adapter), new RolloutSampler(tokenizer, new ChatTemplate(tokenizer), threads));
    }

    /// <summary>The greedy completion of the prompt's conversation, up to the end of the assistant turn.</summary>
    public string Answer(RlPrompt prompt, int maxNewTokens) =>
        _sampler.Sample(_model, 0, _sampler.PromptIds(prompt), maxNewTokens, temperature: 0, seed: 0).Text;
}

/// <summary>
/// Win rate as TRL's judges measure it: both models answer every prompt greedily, a judge scores each answer, and
/// the better-scored answer wins. The judge is a reward model (<see cref="Reward.EngineRewardModel"/>) or the exact-answer
/// verifier (<see cref="FinalAnswer"/>); with the verifier, two right or two wrong answers tie.
/// </summary>
public static class HeadToHead
{
    public static IEnumerable<HeadToHeadResult> Run(Contestant a, Contestant b, IReadOnlyList<RlPrompt> prompts, int maxNewTokens,
        Func<RlPrompt, string, double> judge)
    {
        foreach (var prompt in prompts)
        {
            string answerA = a.Answer(prompt, maxNewTokens), answerB = b.Answer(prompt, maxNewTokens);
            yield return new HeadToHeadResult(prompt, new JudgedAnswer(a.Name, answerA, judge(prompt, answerA)), new JudgedAnswer(b.Name, answerB, judge(prompt, answerB)));
        }
    }

    /// <summary>The verifier as a judge: 1 for the reference's final answer, else 0.</summary>
    public static double Verify(RlPrompt prompt, string answer) => FinalAnswer.Reward(answer, prompt.Answer!);
}
