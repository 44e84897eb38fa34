using SharpLM.Cli.Commands;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Metrics;
using SharpLM.Safety.Running;
using SharpLM.Safety.Transforms;

namespace SharpLM.Cli.Stages;

/// <summary>
/// The small red-team sample the quickstart and `flywheel run` put a model through: the first
/// <see cref="ProbesPerCategory"/> probes of every hazard category with their benign twins, under
/// <see cref="SampleTransforms"/>, greedy, <see cref="MaxTokens"/> tokens an answer. It is
/// `sharplm redteam --model M --limit 2 --transforms plain prefix_injection --max-tokens 32` and runs the same code,
/// so its results.json and safety card read like any other run's.
/// </summary>
public sealed record RedTeamSample(IReadOnlyList<Probe> Probes, IReadOnlyList<IAttackTransform> Transforms)
{
    public const int ProbesPerCategory = 2, MaxTokens = 32, Concurrency = 4;

    /// <summary>The asked request and one short attack, so the sample fits a small model's context.</summary>
    public static readonly string[] SampleTransforms = ["plain", "prefix_injection"];

    /// <summary>The shipped sample, or the user's own catalogue or transforms in place of the shipped ones (for models too small for them).</summary>
    public static RedTeamSample Load(IReadOnlyList<string>? probeFiles = null, IReadOnlyList<string>? transformFiles = null)
    {
        // The selection's own messages name the redteam verb's options, so empty user files are named here first.
        if (probeFiles is { Count: > 0 } && ProbeCatalogue.Load(probeFiles).Count == 0)
            throw new SharpLMException($"--safety-probes: {string.Join(", ", probeFiles)} hold no probe.");
        if (transformFiles is { Count: > 0 } && TransformFile.Load(transformFiles).Count == 0)
            throw new SharpLMException($"--safety-transforms: {string.Join(", ", transformFiles)} hold no transform.");
        var (probes, transforms) = RedTeamCommands.LoadSelection(builtin: false,
            probeFiles is { Count: > 0 } ? [.. probeFiles] : [ProbeCatalogue.BuiltinPath],
            transformFiles is { Count: > 0 } ? [.. transformFiles] : [TransformFile.BuiltinPath],
            categories: null, names: transformFiles is { Count: > 0 } ? null : SampleTransforms, limit: ProbesPerCategory);
        return new RedTeamSample(probes, transforms);
    }

    /// <summary>Conversations the sample holds: each probe under each transform, and its benign twin once.</summary>
    public int Conversations => Probes.Count * (Transforms.Count + 1);

    /// <summary>Runs the sample on a model folder into <paramref name="output"/>; attempts already logged there are kept, so a stopped run resumes.</summary>
    public RedTeamSummary Run(string modelDirectory, string output, long seed, int threads)
    {
        var (client, name) = ModelUnderTest.Open(modelDirectory, null, null, null, Concurrency, threads, TimeSpan.FromMinutes(5));
        using (client)
        {
            var options = new RedTeamOptions { Concurrency = Concurrency, MaxOutputTokens = MaxTokens, Temperature = 0, Seed = seed };
            return Display.Progress($"redteam {name}", Conversations, sink => RedTeam.RunAsync(client, name, Probes, Transforms, null, options, output,
                (done, all) => sink.Report(done, $"{done}/{all} conversations")).GetAwaiter().GetResult());
        }
    }
}
