using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Constraints.Json;
using SharpLM.Inference.Generation;
using SharpLM.Inference;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `generate --json-schema` / `--regex`: generation whose output must be a document of the schema or a match of
/// the pattern. The schema or pattern is read and checked before the model loads, so a mistake is reported at
/// once; masking needs the C# engine's token-by-token loop, so it runs on the engine's families only.
/// </summary>
public static class ConstrainedGeneration
{
    /// <summary>What the output must be: exactly one of a schema file or a pattern.</summary>
    public sealed record Target(string? SchemaFile, string? Pattern, JsonSchemaLimits Limits);

    /// <returns>The generation, and whether its text is a whole valid result (it can be one even when the budget ended the run).</returns>
    public static (GenerationResult Result, bool Complete) Generate(string modelDirectory, string prompt, SamplingOptions options, Target target,
        Action<string>? onText = null, Action? onReady = null)
    {
        if ((target.SchemaFile is null) == (target.Pattern is null))
            throw new SharpLMException("give exactly one of --json-schema and --regex.");
        if (options.StopSequences.Count > 0)
            throw new SharpLMException("--stop cannot be combined with --json-schema or --regex: a stop sequence would cut the output short of its end.");
        target.Limits.Validate();
        // Parse first: a bad schema or pattern should not wait for the model to load.
        var schema = target.SchemaFile is { } file ? JsonSchemaParser.Load(file) : null;
        var pattern = target.Pattern is { } text ? new Inference.Constraints.Regex.RegexAutomaton(text) : null;

        InputFiles.RequireDirectory(modelDirectory, "model");
        var config = ModelConfigFile.Load(Path.Combine(modelDirectory, "config.json"));
        if (!EngineModel.Supports(config))
            throw new SharpLMException($"{modelDirectory}: --json-schema and --regex need a model the C# engine runs ({EngineModel.SupportedFamilies}).");
        var (session, tokenizer) = ModelFolder.OpenEngine(modelDirectory, Environment.ProcessorCount);
        var trie = new TokenTrie(tokenizer);
        ITokenConstraint constraint = schema is not null
            ? OutputConstraints.JsonSchema(trie, schema, target.Limits)
            : new TokenConstraint(trie, pattern!.Start ?? throw new SharpLMException($"regular expression '{target.Pattern}': matches no string at all."));

        var context = TextGeneration.PromptIds(tokenizer, prompt, session.MaxPositions);
        onReady?.Invoke();
        var result = TextGenerator.Generate(new SessionLogitsSource(session), tokenizer, context, options, onText, constraint: constraint);
        return (result, constraint.IsComplete);
    }
}
