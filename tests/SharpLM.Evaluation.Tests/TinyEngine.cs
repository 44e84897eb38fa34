using SharpLM.Core.Models;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Evaluation.Tests;

/// <summary>Tiny random-weight engine models over a small BPE tokenizer, for runs that need a real model.</summary>
internal static class TinyEngine
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 280 });

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(5);
        string[] words = ["the", "red", "blue", "green", "sky", "grass", "snow", "white", "needle", "hay", "is", "colour"];
        for (int i = 0; i < 150; i++) yield return string.Join(" ", Enumerable.Range(0, 10).Select(_ => words[random.Next(words.Length)]));
    }

    public static EngineEvaluationModel Model(int seed, string name = "tiny")
    {
        var weights = LlamaWeights.Random(LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 16, layers: 1, heads: 2, maxPositions: 64), seed);
        return new EngineEvaluationModel(new LlamaSession(weights, 1), Tokenizer, name);
    }
}

/// <summary>Counts the requests that reach a real model and cancels a run once a given number have been answered.</summary>
internal sealed class CountingModel(IEvaluationModel inner, CancellationTokenSource? cancelAfter = null, int cancelAt = int.MaxValue) : IEvaluationModel
{
    public int Calls { get; private set; }
    public string Name => inner.Name;

    public LoglikelihoodResult Loglikelihood(LoglikelihoodRequest request) => Count(inner.Loglikelihood(request));
    public double LoglikelihoodRolling(string text) => Count(inner.LoglikelihoodRolling(text));
    public string Generate(GenerationRequest request) => Count(inner.Generate(request));

    private T Count<T>(T answer)
    {
        if (++Calls == cancelAt) cancelAfter?.Cancel();
        return answer;
    }
}

/// <summary>A multiple-choice task over generated documents that carry a needle grid's context_length and depth_percent.</summary>
internal static class NeedleFixture
{
    public static string Write(string folder, int lengths = 3, int depths = 2)
    {
        File.WriteAllText(Path.Combine(folder, "needle.yaml"), """
            task: needle
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: needle.jsonl
            output_type: multiple_choice
            test_split: test
            doc_to_text: "{{question}}"
            doc_to_target: "{{answer}}"
            doc_to_choice: "{{options}}"
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0
            """);
        string[] colours = ["red", "blue", "green", "white"];
        var lines = new List<string>();
        int id = 0;
        for (int d = 0; d < depths; d++)
            for (int l = 0; l < lengths; l++)
                for (int repeat = 0; repeat < 2; repeat++, id++)
                    lines.Add($$"""{"context_length": {{64 << l}}, "depth_percent": {{d * 50}}, "question": "the hay {{id}} is {{colours[id % 4]}} the needle is", "options": ["{{colours[id % 4]}}", "{{colours[(id + 1) % 4]}}"], "answer": "{{colours[(id + id % 2) % 4]}}"}""");
        File.WriteAllText(Path.Combine(folder, "needle.jsonl"), string.Join("\n", lines) + "\n");
        return Path.Combine(folder, "needle.yaml");
    }
}
