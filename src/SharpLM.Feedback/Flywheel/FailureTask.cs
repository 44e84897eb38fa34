namespace SharpLM.Feedback.Flywheel;

/// <summary>
/// The lm-eval task file written beside failures.jsonl: generate_until over the rendered prompt, scored by exact match
/// (ignoring case and punctuation) against the correction. Within SharpLM's supported subset, so `sharplm eval run
/// --tasks OUT/failures.yaml` and lm-eval itself load it unchanged.
/// </summary>
internal static class FailureTask
{
    public const string Name = "flywheel_failures";

    public static string Yaml(string dataFile) => $$"""
        task: {{Name}}
        dataset_path: json
        dataset_kwargs:
          data_files:
            test: {{dataFile}}
        test_split: test
        output_type: generate_until
        doc_to_text: "{{"{{prompt}}"}}"
        doc_to_target: "{{"{{target}}"}}"
        target_delimiter: " "
        generation_kwargs:
          until: ["\nuser:", "<|im_end|>"]
          max_gen_toks: 256
          do_sample: false
          temperature: 0
        metric_list:
          - metric: exact_match
            aggregation: mean
            higher_is_better: true
            ignore_case: true
            ignore_punctuation: true
        metadata:
          version: 1.0

        """;
}
