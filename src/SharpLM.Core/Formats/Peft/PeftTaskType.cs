namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// The task_type values of adapter_config.json that SharpLM writes, and what PEFT makes of a sequence-classification
/// adapter: PeftModelForSequenceClassification adds the usual head names to modules_to_save, so the head trains whole
/// beside the LoRA factors and is saved with them.
/// </summary>
public static class PeftTaskType
{
    public const string CausalLm = "CAUSAL_LM";
    public const string SequenceClassification = "SEQ_CLS";

    /// <summary>The modules_to_save PEFT writes for a SEQ_CLS adapter created without any of its own.</summary>
    public static readonly IReadOnlyList<string> ClassifierModules = ["classifier", "score"];
}
