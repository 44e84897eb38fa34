using System.CommandLine;

namespace SharpLM.Cli.Terminal;

/// <summary>--adapter, the same on every verb that runs the engine on a model folder.</summary>
public static class AdapterOption
{
    public static Option<string?> Create() => new("--adapter")
    {
        Description = "A PEFT adapter folder (adapter_config.json, adapter_model.safetensors), LoRA or prompt tuning, to apply to the model as it loads.",
    };
}
