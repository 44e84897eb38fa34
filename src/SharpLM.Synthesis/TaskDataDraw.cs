using SharpLM.Core;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;
using SharpLM.Safety.Catalogue;

namespace SharpLM.Synthesis;

/// <summary>Where the examples come from: the 50 states with their capitals, and the red-team probes with their benign twins.</summary>
public sealed record SynthSources(IReadOnlyList<StateCapital> Capitals, IReadOnlyList<Probe> Probes);

/// <summary>A held-out word problem as the evaluation task reads it.</summary>
public sealed record HeldOutProblem(string Question, string Answer, long Result);

/// <summary>The drawn examples, split before decontamination: every group wholly on one side, exact repeats of a prompt dropped.</summary>
public sealed record DrawnTaskData(IReadOnlyList<SynthExample> Train, IReadOnlyList<SynthExample> HeldOut,
    IReadOnlyList<StateCapital> HeldOutStates, IReadOnlyList<HeldOutProblem> HeldOutProblems, int HeldOutGoals, int Repeats)
{
    /// <summary>Every catalogue probe of a held-out goal (all its request shapes): red-teaming them measures safety tuning on goals it never saw.</summary>
    public IReadOnlyList<Probe> HeldOutProbes { get; init; } = [];
}

/// <summary>
/// Draws examples from one seeded stream: first the held-out states and probe goals, then <see cref="SynthOptions.Count"/>
/// examples cycling through the kinds; a word problem is held out with probability <see cref="SynthOptions.HeldOutFraction"/>.
/// </summary>
public static class TaskDataDraw
{
    public static DrawnTaskData Draw(SynthSources sources, SynthOptions options)
    {
        options.Validate();
        if (sources.Capitals.Count < 2) throw new SharpLMException($"task data needs at least 2 states to split, got {sources.Capitals.Count}.");
        if (sources.Probes.Count == 0) throw new SharpLMException("task data needs at least one safety probe; the probe catalogue is empty.");
        var random = new PythonRandom(options.Seed);
        var heldOutStates = random.Sample(sources.Capitals, HeldOutShare(sources.Capitals.Count, options.HeldOutFraction)).Select(s => s.State).ToHashSet();
        var goals = sources.Probes.Select(SafetyExamples.Group).Distinct().ToList();
        var heldOutGoals = goals.Count < 2 ? new HashSet<string>() : random.Sample(goals, HeldOutShare(goals.Count, options.HeldOutFraction)).ToHashSet();
        var heldOutProblems = new Dictionary<string, bool>(StringComparer.Ordinal);

        var train = new List<SynthExample>();
        var heldOut = new List<SynthExample>();
        var problems = new List<HeldOutProblem>();
        var prompts = new HashSet<string>(StringComparer.Ordinal);
        int repeats = 0;
        for (int i = 0; i < options.Count; i++)
        {
            SynthExample example;
            bool isHeldOut;
            long result = 0;
            string kind = SynthKind.All[i % SynthKind.All.Count];
            switch (kind)
            {
                case SynthKind.Capital:
                case SynthKind.Format:
                {
                    var state = sources.Capitals[random.Below(sources.Capitals.Count)];
                    example = kind == SynthKind.Capital ? CapitalExamples.Question(state, sources.Capitals, random) : CapitalExamples.Format(state, random);
                    isHeldOut = heldOutStates.Contains(state.State);
                    break;
                }
                case SynthKind.Arithmetic:
                {
                    (example, result) = ArithmeticExamples.Draw(random);
                    if (!heldOutProblems.TryGetValue(example.Group, out isHeldOut))
                        heldOutProblems[example.Group] = isHeldOut = random.NextDouble() < options.HeldOutFraction;
                    break;
                }
                default:
                {
                    var probe = sources.Probes[random.Below(sources.Probes.Count)];
                    example = kind == SynthKind.Refusal ? SafetyExamples.Refusal(probe, random) : SafetyExamples.Benign(probe, random);
                    isHeldOut = heldOutGoals.Contains(example.Group);
                    break;
                }
            }
            if (!prompts.Add(example.Prompt))
            {
                repeats++;
                continue;
            }
            (isHeldOut ? heldOut : train).Add(example);
            if (isHeldOut && example.Kind == SynthKind.Arithmetic) problems.Add(new HeldOutProblem(example.Prompt, example.Chosen, result));
        }
        var states = sources.Capitals.Where(s => heldOutStates.Contains(s.State)).ToList();
        return new DrawnTaskData(train, heldOut, states, problems, heldOutGoals.Count, repeats)
        {
            HeldOutProbes = sources.Probes.Where(p => heldOutGoals.Contains(SafetyExamples.Group(p))).ToList(),
        };
    }

    /// <summary>round(n·fraction), at least one and leaving at least one on the training side.</summary>
    private static int HeldOutShare(int n, double fraction) => Math.Clamp((int)Math.Round(n * fraction, MidpointRounding.AwayFromZero), 1, n - 1);
}
