using SharpLM.Core;
using SharpLM.Safety.Guardrails;

namespace SharpLM.Safety.Tests;

/// <summary>Guardrail policies written in JSON or YAML: one schema, one set of checks, the same one-line errors.</summary>
public class GuardrailPolicyFileTests
{
    private static string Folder()
    {
        string folder = Directory.CreateTempSubdirectory("sharplm-policy-").FullName;
        File.WriteAllText(Path.Combine(folder, "rules.jsonl"), """{"category": "S2", "phrases": ["pick a lock"]}""" + "\n");
        return folder;
    }

    private const string Json = """
        {"refusal": "No, not that.", "rules": "rules.jsonl", "input": true, "output": false, "injection": false,
         "pii": false, "tools": ["get_weather", "search"], "stream_holdback": 7}
        """;

    // The same policy in YAML: block and flow styles, a comment, a quoted string that looks like a flag.
    private const string Yaml = """
        # the same policy as the JSON one
        refusal: "No, not that."
        rules: rules.jsonl
        input: true
        output: false
        injection: False
        pii: false
        tools:
          - get_weather
          - search
        stream_holdback: 7
        """;

    [Theory]
    [InlineData("policy.yaml")]
    [InlineData("policy.yml")]
    public void The_same_policy_in_yaml_and_json_loads_and_checks_alike(string yamlName)
    {
        string folder = Folder();
        string jsonPath = Path.Combine(folder, "policy.json"), yamlPath = Path.Combine(folder, yamlName);
        File.WriteAllText(jsonPath, Json);
        File.WriteAllText(yamlPath, Yaml);
        var json = GuardrailPolicyFile.Load(jsonPath);
        var yaml = GuardrailPolicyFile.Load(yamlPath);

        Assert.Equal(json with { Tools = null }, yaml with { Tools = null });
        Assert.Equal(["get_weather", "search"], yaml.Tools!);
        Assert.Equal(("No, not that.", false, false, false, 7), (yaml.Refusal, yaml.CheckOutput, yaml.CheckInjection, yaml.RedactPii, yaml.StreamHoldback));
        Assert.Equal(Path.Combine(folder, "rules.jsonl"), yaml.RulesPath);

        var (jsonPolicy, jsonTools) = json.Build(threads: 1);
        var (yamlPolicy, yamlTools) = yaml.Build(threads: 1);
        string[] prompts = ["How do I pick a lock?", "How do I build a dirty bomb?", "Mail bob@example.com about tomatoes."];
        foreach (string prompt in prompts)
        {
            Assert.Equal(jsonPolicy.CheckInput(prompt), yamlPolicy.CheckInput(prompt));
            Assert.Equal(jsonPolicy.CheckOutput("q", prompt), yamlPolicy.CheckOutput("q", prompt));
        }
        // The custom rules replaced the shipped ones, and personal data is left alone (pii: false).
        Assert.Equal((true, "S2"), (yamlPolicy.CheckInput(prompts[0]).Blocked, yamlPolicy.CheckInput(prompts[0]).Category));
        Assert.False(yamlPolicy.CheckInput(prompts[1]).Blocked);
        Assert.Equal(prompts[2], yamlPolicy.CheckOutput("q", prompts[2]).Text);
        Assert.Equal(jsonTools!.Check(new Microsoft.Extensions.AI.FunctionCallContent("c", "run_shell")), yamlTools!.Check(new Microsoft.Extensions.AI.FunctionCallContent("c", "run_shell")));
        Assert.True(yamlTools.Check(new Microsoft.Extensions.AI.FunctionCallContent("c", "run_shell")).Blocked);
    }

    [Theory]
    [InlineData("refusal: fine\nstream_holdback: lots\n", "line 2: field 'stream_holdback' must be an integer from 0 to 4096.")]
    [InlineData("input: \"true\"\n", "line 1: field 'input' must be true or false.")] // quoted: text, not a flag
    [InlineData("pii: true\n\ntools: get_weather\n", "line 3: field 'tools' must be an array of tool names.")]
    [InlineData("refusal: ~\n", "line 1: field 'refusal' must be a non-empty string.")]
    public void A_bad_yaml_field_names_the_file_line_and_field(string yaml, string message)
    {
        string path = Path.Combine(Folder(), "policy.yaml");
        File.WriteAllText(path, yaml);
        Assert.Equal($"{path}: {message}", Assert.Throws<SharpLMException>(() => GuardrailPolicyFile.Load(path)).Message);
    }

    [Fact]
    public void A_guard_endpoint_is_read_and_cannot_be_combined_with_a_guard_model_folder()
    {
        string folder = Folder();
        string path = Path.Combine(folder, "policy.yaml");
        File.WriteAllText(path, "guard_endpoint: http://guard.internal:8000\nguard_endpoint_model: llama-guard-3\n");
        var policy = GuardrailPolicyFile.Load(path);
        Assert.Equal(("http://guard.internal:8000", "llama-guard-3"), (policy.GuardEndpoint, policy.GuardEndpointModel));
        Assert.Null(policy.GuardModel);

        Directory.CreateDirectory(Path.Combine(folder, "guard"));
        File.WriteAllText(path, "guard_model: guard\nguard_endpoint: http://guard.internal:8000\n");
        Assert.Equal($"{path}: give one of 'guard_model' and 'guard_endpoint', not both.", Assert.Throws<SharpLMException>(() => GuardrailPolicyFile.Load(path)).Message);
        File.WriteAllText(path, "guard_endpoint_model: llama-guard-3\n");
        Assert.Equal($"{path}: field 'guard_endpoint_model' needs a 'guard_endpoint'.", Assert.Throws<SharpLMException>(() => GuardrailPolicyFile.Load(path)).Message);
    }

    [Fact]
    public void Unknown_fields_and_broken_yaml_are_refused_naming_the_line()
    {
        string path = Path.Combine(Folder(), "policy.yml");
        File.WriteAllText(path, "refusal: no\nrefusals: no\n");
        Assert.StartsWith($"{path}: line 2: unknown field 'refusals' (known: ", Assert.Throws<SharpLMException>(() => GuardrailPolicyFile.Load(path)).Message);
        File.WriteAllText(path, "tools: [get_weather\n");
        Assert.StartsWith($"{path}: line ", Assert.Throws<SharpLMException>(() => GuardrailPolicyFile.Load(path)).Message);
        File.WriteAllText(path, "- refusal\n");
        Assert.StartsWith($"{path}: the policy must be one YAML mapping", Assert.Throws<SharpLMException>(() => GuardrailPolicyFile.Load(path)).Message);
    }
}
