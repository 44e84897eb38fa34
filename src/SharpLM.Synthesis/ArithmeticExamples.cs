using System.Globalization;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Suite;

namespace SharpLM.Synthesis;

/// <summary>GSM8K-style word problems from the evaluation suite's generator, answered with worked steps ending in "#### n".</summary>
internal static class ArithmeticExamples
{
    public static (SynthExample Example, long Result) Draw(PythonRandom random)
    {
        var problem = ArithmeticTask.Generate(random);
        long wrong = problem.Result + (1 + random.Below(9)) * (random.Below(2) == 0 ? -1 : 1);
        var example = new SynthExample(SynthKind.Arithmetic, "problem:" + problem.Question, problem.Question, problem.Answer,
            WithFinalResult(problem.Answer, problem.Result, wrong));
        return (example, problem.Result);
    }

    /// <summary>The same worked answer with its last step and final line giving <paramref name="wrong"/>: a plausible slip.</summary>
    private static string WithFinalResult(string answer, long right, long wrong)
    {
        string r = right.ToString(CultureInfo.InvariantCulture), w = wrong.ToString(CultureInfo.InvariantCulture);
        string step = $"={r}>>{r}";
        int last = answer.LastIndexOf(step, StringComparison.Ordinal);
        if (last >= 0) answer = string.Concat(answer.AsSpan(0, last), $"={w}>>{w}", answer.AsSpan(last + step.Length));
        return answer[..answer.LastIndexOf("#### ", StringComparison.Ordinal)] + "#### " + w;
    }
}
