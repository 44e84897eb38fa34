using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Evaluation.Metrics;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm eval metric bleu|chrf|ter|rouge --predictions FILE --references FILE ...`: text metrics over one segment
/// per line, printed as JSON like the sacrebleu command line.
/// </summary>
public static class EvalMetricCommand
{
    public static Command Create()
    {
        var metric = new Argument<string>("metric") { Description = "bleu, chrf, ter or rouge." };
        metric.AcceptOnlyFromAmong([.. TextMetricReport.Metrics]);
        var predictions = new Option<string>("--predictions", "-p") { Description = "Hypotheses, one segment per line.", Required = true };
        var references = new Option<string[]>("--references", "-r")
        {
            Description = "References, one segment per line, parallel to the predictions; repeat for several references.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var sentence = new Option<bool>("--sentence") { Description = "One score per segment (one JSON object per line) instead of the corpus score." };
        var lowercase = new Option<bool>("--lowercase", "-lc") { Description = "Lowercase before scoring (bleu, chrf)." };
        var tokenize = new Option<string?>("--tokenize") { Description = "BLEU tokenizer: 13a (default), none, intl or char." };
        var stemmer = new Option<bool>("--stemmer") { Description = "ROUGE: Porter-stem tokens longer than three characters." };
        var wordOrder = new Option<int>("--word-order") { Description = "chrF word n-gram order; 2 gives chrF++." };
        var command = new Command("metric", "BLEU, chrF, TER or ROUGE of predictions against references, as sacreBLEU and rouge-score compute them.")
        {
            metric, predictions, references, sentence, lowercase, tokenize, stemmer, wordOrder,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string predictionPath = parse.GetValue(predictions)!;
            var hypotheses = SegmentFile.Read(predictionPath);
            var streams = new List<IReadOnlyList<string>>();
            foreach (string path in parse.GetValue(references)!)
            {
                var stream = SegmentFile.Read(path);
                if (stream.Count != hypotheses.Count)
                    throw new SharpLMException($"{path}: {stream.Count} lines, but {predictionPath} has {hypotheses.Count}; references must be parallel to the predictions.");
                streams.Add(stream);
            }
            var request = new TextMetricRequest
            {
                Metric = parse.GetValue(metric)!,
                Predictions = hypotheses,
                References = streams,
                Sentence = parse.GetValue(sentence),
                Lowercase = parse.GetValue(lowercase),
                Tokenize = parse.GetValue(tokenize),
                Stem = parse.GetValue(stemmer),
                WordOrder = parse.GetValue(wordOrder),
            };
            foreach (var json in TextMetricReport.Run(request)) Console.WriteLine(json.ToJsonString());
            return 0;
        }));
        return command;
    }
}
