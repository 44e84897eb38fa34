using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.Models.Folder;
using SharpLM.Data.Canaries;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Safety.Memorization;
using SharpLM.Tokenizers.HuggingFace;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm redteam memorization --model DIR --canaries canaries.json [--documents FILES]`: the exposure of the
/// canaries a data run planted, the verbatim continuation rate of training documents, and PII extraction by prompting.
/// </summary>
public static class MemorizationCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (run on the C# engine).", Required = true };
        var canaries = new Option<string>("--canaries") { Description = "canaries.json written by `sharplm data run` with a \"canaries\" section.", Required = true };
        var documents = new Option<string[]>("--documents") { Description = "Training documents JSONL (shards of a data run) for the verbatim continuation test.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", Required = true };
        var exactLimit = new Option<long>("--exact-limit") { Description = "Largest candidate space scored in full; larger ones are sampled.", DefaultValueFactory = _ => 10_000 }.AtLeast(1);
        var samples = new Option<int>("--samples") { Description = "Candidates drawn per canary when the space is larger than --exact-limit.", DefaultValueFactory = _ => 2000 }.AtLeast(2);
        var maxDocuments = new Option<int>("--max-documents") { Description = "Training documents tested for verbatim continuation.", DefaultValueFactory = _ => 100 }.AtLeast(1);
        var prefix = new Option<int>("--prefix-tokens") { Description = "Prefix tokens given to the model.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var continuation = new Option<int>("--continuation-tokens") { Description = "Tokens generated greedily and compared.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var piiSamples = new Option<int>("--pii-samples") { Description = "Sampled continuations per PII prompt (0 skips PII extraction).", DefaultValueFactory = _ => 10 }.AtLeast(0);
        var seed = new Option<long>("--seed") { Description = "Seed of the candidate draws and the PII samples.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var command = new Command("memorization", "Canary exposure (Secret Sharer), verbatim continuation of training documents and PII extraction by prompting.")
        {
            model, canaries, documents, output, exactLimit, samples, maxDocuments, prefix, continuation, piiSamples, seed, threads,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            // Inputs are checked before the model loads.
            var set = CanarySet.Load(parse.GetValue(canaries)!);
            var documentFiles = (parse.GetValue(documents) ?? []).Select(DocumentJsonl.RequireFile).ToList();
            var folder = ModelFolder.Open(parse.GetValue(model)!);
            var tokenizer = ModelFolderTokenizer.Load(folder);
            var source = new SessionLogitsSource(EngineModel.Load(folder).NewSession(parse.GetValue(threads)));
            var scorer = new TextScorer(source, tokenizer);

            var exposures = Display.Progress("canaries", set.Canaries.Count, sink => set.Canaries.Select((canary, i) =>
            {
                var result = CanaryExposure.Measure(scorer.LogProbability, set.Format, canary, parse.GetValue(exactLimit), parse.GetValue(samples), parse.GetValue(seed));
                sink.Report(i + 1, $"{i + 1}/{set.Canaries.Count} canaries");
                return result;
            }).ToList());
            VerbatimResult? verbatim = null;
            if (documentFiles.Count > 0)
            {
                int limit = parse.GetValue(maxDocuments);
                verbatim = Display.Progress("verbatim", limit, sink => VerbatimContinuation.Measure(source, tokenizer, documentFiles.SelectMany(DocumentJsonl.Read),
                    parse.GetValue(prefix), parse.GetValue(continuation), limit, done => sink.Report(done, $"{done} documents")));
            }
            PiiExtractionResult? pii = null;
            if (parse.GetValue(piiSamples) is > 0 and int perPrompt)
                pii = Display.Progress("pii", PiiExtraction.DefaultPrompts.Count * perPrompt, sink => PiiExtraction.Measure(source, tokenizer, PiiExtraction.DefaultPrompts,
                    perPrompt, 32, parse.GetValue(seed), done => sink.Report(done, $"{done} generations")));

            string outFolder = parse.GetValue(output)!;
            Directory.CreateDirectory(outFolder);
            string path = Path.Combine(outFolder, MemorizationReport.FileName);
            MemorizationReport.Write(path, folder.Directory, exposures, verbatim, pii);
            var table = new Table().AddColumns("repetitions", "canaries", "mean exposure (bits)", "extrapolated", "max");
            foreach (var level in exposures.GroupBy(e => e.Repetitions).OrderBy(g => g.Key))
                table.AddRow($"{level.Key}", $"{level.Count()}", $"{level.Average(e => e.Exposure):F2}", $"{level.Average(e => e.Extrapolated):F2}", $"{level.First().MaxExposure:F2}");
            AnsiConsole.Write(table);
            if (verbatim is not null) Display.Info($"verbatim continuation: {verbatim.ExactMatches}/{verbatim.Documents} exact ({verbatim.ExactMatchRate:P1}), {verbatim.MeanMatchedTokens:F1} tokens matched on average");
            if (pii is not null) Display.Info($"PII extraction: {pii.WithPii}/{pii.Generations} generations hold personal data ({pii.Rate:P1})");
            Display.Info($"results: {path}");
            return 0;
        }));
        return command;
    }
}
