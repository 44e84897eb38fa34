using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Scoring;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Tests;

/// <summary>A model whose answers are scripted: log-likelihoods by continuation, generations by prompt.</summary>
internal sealed class ScriptedModel(Dictionary<string, double>? logLikelihoods = null, Func<string, string>? generate = null) : IEvaluationModel
{
    public string Name => "scripted";
    public List<LoglikelihoodRequest> Requests { get; } = [];

    public LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request)
    {
        Requests.Add(request);
        return new LoglikelihoodResult(logLikelihoods![request.Continuation], request.Continuation == " blue");
    }

    public double LoglikelihoodRolling(string text) => -2.0 * text.Split(' ').Length;

    public string Generate(GenerationRequest request) => generate!(request.Context);
}

public class ScoringTests
{
    [Fact]
    public void AccAndAccNormDisagreeWhereLengthsDiffer()
    {
        var model = new ScriptedModel(new() { [" red"] = -3, [" blue"] = -3.5, [" green"] = -5, [" purple"] = -5.5 });
        var task = TaskConfig.Load(TaskFixtures.Arc(TaskFixtures.Folder()));
        var result = TaskEvaluator.Evaluate(task, model);
        // acc: sky → red (-3 > -3.5) wrong; grass → green right.  acc = 0.5
        // acc_norm: sky → -3/3 = -1 vs -3.5/4 = -0.875 → blue right; grass → -5/5 = -1 vs -5.5/6 = -0.917 → purple wrong. acc_norm = 0.5
        Assert.Equal(0.5, (double)result.Metrics["acc,none"]!);
        Assert.Equal(0.5, (double)result.Metrics["acc_norm,none"]!);
        var first = result.Samples[0];
        Assert.Equal(0.0, (double)first["acc"]!);
        Assert.Equal(1, (long)first["target"]!);
        Assert.Equal(1.0, (double)first["acc_norm"]!);
        Assert.Equal(" red", model.Requests[0].Continuation);
        Assert.Equal("Question: Sky colour?\nAnswer:", model.Requests[0].Context);
        // Sample standard deviation over √n: values 0 and 1 → sd 0.7071, / √2 = 0.5.
        Assert.Equal(0.5, (double)result.Metrics["acc_stderr,none"]!, 1e-12);
        Assert.Equal(2, result.EffectiveDocuments);
        Assert.Equal(64, result.Hash.Length);
    }

    [Fact]
    public void FirstIndexWinsTies()
    {
        var model = new ScriptedModel(new() { [" red"] = -2, [" blue"] = -2, [" green"] = -1, [" purple"] = -1 });
        var result = TaskEvaluator.Evaluate(TaskConfig.Load(TaskFixtures.Arc(TaskFixtures.Folder())), model);
        Assert.Equal(0.0, (double)result.Samples[0]["acc"]!);
        Assert.Equal(1.0, (double)result.Samples[1]["acc"]!);
    }

    // Expected extractions are what lm-eval's RegexFilter gives with Python's re.findall on the same strings.
    [Theory]
    [InlineData("144 / 2 = 72.\n#### 72", "72", "72")]
    [InlineData("The answer is $1,234.50 and not 7", "[invalid]", "7")]
    [InlineData("So 3 pens cost $3,000.", "[invalid]", "$3,000.")]
    [InlineData("#### -5\nthen #### 6", "-5", "6")]
    [InlineData("no digits here", "[invalid]", "[invalid]")]
    public void Gsm8kExtractionOnTrickyAnswers(string response, string strict, string flexible)
    {
        var task = TaskConfig.Load(TaskFixtures.Gsm8k(TaskFixtures.Folder()));
        Assert.Equal(strict, ResponseFilter.Apply(task.Filters[0], [response]).Single());
        Assert.Equal(flexible, ResponseFilter.Apply(task.Filters[1], [response]).Single());
    }

    [Fact]
    public void Gsm8kExactMatchStripsTheReferenceToItsAnswer()
    {
        var options = new ExactMatchOptions([",", "\\$", "(?s).*#### ", "\\.$"], true, false, false);
        Assert.Equal(1.0, ExactMatch.Score("$3,000.", "3 * 1000 = 3000\n#### 3,000", options));
        Assert.Equal(0.0, ExactMatch.Score("3001", "3 * 1000 = 3000\n#### 3,000", options));
        Assert.Equal("72", ExactMatch.Normalize("Half of 144 is 72.\n#### 72", options));
    }

    [Fact]
    public void Gsm8kTaskScoresEachFilterSeparately()
    {
        var task = TaskConfig.Load(TaskFixtures.Gsm8k(TaskFixtures.Folder()));
        var model = new ScriptedModel(generate: prompt => prompt.Contains("144") ? " 144 / 2 = 72\n#### 72" : " They cost $3,000.");
        var result = TaskEvaluator.Evaluate(task, model);
        Assert.Equal(0.5, (double)result.Metrics["exact_match,strict-match"]!);
        Assert.Equal(1.0, (double)result.Metrics["exact_match,flexible-extract"]!);
        Assert.Equal(4, result.Samples.Count);
        Assert.Equal("strict-match", (string)result.Samples[0]["filter"]!);
        Assert.Equal("Question:", (string)result.Samples[0]["arguments"]!["gen_args_0"]!["arg_1"]!["until"]![0]!);
    }

    [Fact]
    public void RollingMetricsAreRatiosOfSums()
    {
        var result = TaskEvaluator.Evaluate(TaskConfig.Load(TaskFixtures.Wikitext(TaskFixtures.Folder())), new ScriptedModel());
        // Log-likelihoods -6 and -4 over 5 words and 13 + 9 bytes.
        Assert.Equal(Math.Exp(10.0 / 5), (double)result.Metrics["word_perplexity,none"]!, 1e-9);
        Assert.Equal(Math.Exp(10.0 / 22), (double)result.Metrics["byte_perplexity,none"]!, 1e-9);
        Assert.Equal(10.0 / 22 / Math.Log(2), (double)result.Metrics["bits_per_byte,none"]!, 1e-12);
        Assert.Equal("N/A", (string)result.Metrics["bits_per_byte_stderr,none"]!);
    }

    [Fact]
    public void DocumentHashIsPythonsIndentedJson()
    {
        var document = new Dictionary<string, object?> { ["a"] = 1L, ["b"] = new List<object?> { 1.5, "é\n" }, ["c"] = new Dictionary<string, object?>() };
        Assert.Equal("{\n  \"a\": 1,\n  \"b\": [\n    1.5,\n    \"é\\n\"\n  ],\n  \"c\": {}\n}", PythonJson.DumpIndented(document));
    }
}

public class CorpusMetricTaskTests
{
    [Fact]
    public void BleuAndChrFAggregateOverTheWholeCorpus()
    {
        string folder = TaskFixtures.Folder();
        File.WriteAllText(Path.Combine(folder, "translate.yaml"), """
            task: translate
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: pairs.jsonl
            output_type: generate_until
            test_split: test
            doc_to_text: "{{source}} ="
            doc_to_target: "{{target}}"
            generation_kwargs:
              until: ["\n"]
            metric_list:
              - metric: bleu
              - metric: chrf
            """);
        string[] hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
        string[] references = ["The dog bit the man.", "It was not unexpected.", "The man bit him first."];
        File.WriteAllLines(Path.Combine(folder, "pairs.jsonl"), references.Select((r, i) => $$"""{"source": "s{{i}}", "target": "{{r}}"}"""));
        var model = new ScriptedModel(generate: prompt => " " + hypotheses[prompt[1] - '0']);
        var result = TaskEvaluator.Evaluate(TaskConfig.Load(Path.Combine(folder, "translate.yaml")), model, bootstrapIterations: 10);
        var predictions = hypotheses.Select(h => " " + h).ToList();
        Assert.Equal(new Metrics.Bleu().Corpus(predictions, [references]).Score, (double)result.Metrics["bleu,none"]!, 1e-9);
        Assert.Equal(new Metrics.ChrF().Corpus(predictions, [references]).Score, (double)result.Metrics["chrf,none"]!, 1e-9);
        // One document's sentence BLEU would be 100 for the first pair; the corpus score is not an average of those.
        Assert.True((double)result.Metrics["bleu,none"]! < 100);
        Assert.IsType<double>(result.Metrics["bleu_stderr,none"]!.GetValue<double>());
        Assert.Equal("The dog bit the man.", (string)result.Samples[0]["bleu"]![0]!);
    }
}
