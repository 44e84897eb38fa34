using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.Data.Filters;

/// <summary>Options of the language filter (section "language"; off unless the section is given).</summary>
public sealed record LanguageOptions
{
    public const string Section = "language";

    /// <summary>Languages kept, as ISO 639-3 codes ("eng", "fra", "cmn"); a document whose most likely language is another is dropped.</summary>
    [JsonPropertyName("languages")] public List<string> Languages { get; init; } = ["eng"];

    /// <summary>An unpacked franc package folder to read the profiles from (relative to the config file); null: franc 6.2.0 through npm.</summary>
    [JsonPropertyName("profiles")] public string? Profiles { get; init; }

    public void Validate()
    {
        if (Languages is not { Count: > 0 }) throw new SharpLMException($"{Section}.languages must list at least one language code.");
        foreach (string code in Languages)
            if (code is not { Length: 3 } || !code.All(char.IsAsciiLetterLower))
                throw new SharpLMException($"{Section}.languages: '{code}' is not an ISO 639-3 code (three lowercase letters, such as \"eng\").");
    }
}
