namespace SharpLM.Core.Formats.Peft;

/// <summary>The PEFT methods whose adapter folders SharpLM reads, by the peft_type PEFT writes for them.</summary>
public static class PeftAdapterType
{
    public const string Lora = "LORA";
    public const string PromptTuning = "PROMPT_TUNING";
    public const string TrainableTokens = "TRAINABLE_TOKENS";

    /// <summary>The peft_type of an adapter folder, refused with one line when it is a method SharpLM does not apply.</summary>
    public static string Read(string directory)
    {
        IO.InputFiles.RequireDirectory(directory, "adapter");
        var file = PeftConfigFile.Read(directory);
        string type = file.PeftType;
        return type is Lora or PromptTuning or TrainableTokens
            ? type : throw file.Problem("peft_type", $"is '{type}'; SharpLM applies {Lora}, {PromptTuning} and {TrainableTokens} adapters");
    }
}
