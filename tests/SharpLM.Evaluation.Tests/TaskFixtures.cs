namespace SharpLM.Evaluation.Tests;

/// <summary>Task folders shaped like lm-eval's arc_easy, gsm8k and wikitext tasks, with small local data files.</summary>
internal static class TaskFixtures
{
    public static string Folder() => Directory.CreateTempSubdirectory("sharplm-eval-").FullName;

    public static string Arc(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "arc_easy.yaml"), """
            task: arc_easy
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: arc_test.jsonl
                train: arc_train.jsonl
            output_type: multiple_choice
            training_split: train
            test_split: test
            doc_to_text: "Question: {{question}}\nAnswer:"
            doc_to_target: "{{choices.label.index(answerKey)}}"
            doc_to_choice: "{{choices.text}}"
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
              - metric: acc_norm
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0
            """);
        File.WriteAllText(Path.Combine(folder, "arc_challenge.yaml"), "include: arc_easy.yaml\ntask: arc_challenge\nnum_fewshot: 1\n");
        File.WriteAllText(Path.Combine(folder, "arc_test.jsonl"),
            """{"question": "Sky colour?", "choices": {"text": ["red", "blue"], "label": ["A", "B"]}, "answerKey": "B"}""" + "\n" +
            """{"question": "Grass colour?", "choices": {"text": ["green", "purple"], "label": ["A", "B"]}, "answerKey": "A"}""" + "\n");
        File.WriteAllText(Path.Combine(folder, "arc_train.jsonl"),
            """{"question": "Snow colour?", "choices": {"text": ["white", "black"], "label": ["A", "B"]}, "answerKey": "A"}""" + "\n");
        return Path.Combine(folder, "arc_easy.yaml");
    }

    public static string Gsm8k(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "gsm8k.yaml"), """
            task: gsm8k
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: gsm_test.jsonl
            output_type: generate_until
            test_split: test
            doc_to_text: "Question: {{question}}\nAnswer:"
            doc_to_target: "{{answer}}"
            metric_list:
              - metric: exact_match
                aggregation: mean
                higher_is_better: true
                ignore_case: true
                ignore_punctuation: false
                regexes_to_ignore:
                  - ","
                  - "\\$"
                  - "(?s).*#### "
                  - "\\.$"
            generation_kwargs:
              until:
                - "Question:"
                - "</s>"
              do_sample: false
              temperature: 0.0
            filter_list:
              - name: "strict-match"
                filter:
                  - function: "regex"
                    regex_pattern: "#### (\\-?[0-9\\.\\,]+)"
                  - function: "take_first"
              - name: "flexible-extract"
                filter:
                  - function: "regex"
                    group_select: -1
                    regex_pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)"
                  - function: "take_first"
            metadata:
              version: 3.0
            """);
        File.WriteAllText(Path.Combine(folder, "gsm_test.jsonl"),
            """{"question": "Half of 144?", "answer": "144 / 2 = 72\n#### 72"}""" + "\n" +
            """{"question": "Cost of 3 pens at $1,000 each?", "answer": "3 * 1000 = 3000\n#### 3,000"}""" + "\n");
        return Path.Combine(folder, "gsm8k.yaml");
    }

    public static string Wikitext(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "wikitext.yaml"), """
            task: wikitext
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: wiki.json
            output_type: loglikelihood_rolling
            test_split: test
            doc_to_text: ""
            doc_to_target: "{{page}}"
            metric_list:
              - metric: word_perplexity
              - metric: byte_perplexity
              - metric: bits_per_byte
            """);
        File.WriteAllText(Path.Combine(folder, "wiki.json"), """[{"page": "one two three"}, {"page": "four five"}]""");
        return Path.Combine(folder, "wikitext.yaml");
    }
}
