using SharpLM.Core;
using SharpLM.Serving.Configuration;

namespace SharpLM.Serving.Tests;

/// <summary>Settings from appsettings.json, SHARPLM_* variables and command-line options, in that rising precedence.</summary>
public class ServerSettingsTests
{
    private static string SettingsFile(string json)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-settings-").FullName, "serve.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static readonly Dictionary<ServerSettings.Setting, string> None = [];

    [Fact]
    public void Options_override_environment_which_overrides_the_file_which_overrides_defaults()
    {
        string file = SettingsFile("""{"Serve":{"Model":"from-file","Port":9000,"Parallel":3,"RateLimit":5,"TokensPerMinute":1000,"AllowOpen":true,"OtlpEndpoint":"http://collector:4317"},"Logging":{}}""");
        var environment = new Dictionary<string, string> { ["SHARPLM_PORT"] = "9001", ["SHARPLM_PARALLEL"] = "6" };
        var options = ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string> { [ServerSettings.Port] = "9002" }, v => environment.GetValueOrDefault(v));
        Assert.Equal("from-file", options.ModelDirectory);
        Assert.Equal(9002, options.Port);          // command line
        Assert.Equal(6, options.Parallel);         // environment
        Assert.Equal(5, options.RequestsPerMinute); // file
        Assert.Equal(1000, options.TokensPerMinute);
        Assert.True(options.AllowOpen);
        Assert.Equal(new Uri("http://collector:4317"), options.OtlpEndpoint);
        Assert.Equal("127.0.0.1", options.Host);   // default
        Assert.Equal(64, options.QueueCapacity);
        Assert.Equal(0, options.RequestTimeoutSeconds);
        Assert.Equal(ServerOptions.DefaultShutdownGraceSeconds, options.ShutdownGraceSeconds);
    }

    [Fact]
    public void The_shutdown_grace_is_read_and_checked()
    {
        string file = SettingsFile("""{"Serve":{"Model":"m","ShutdownGrace":5}}""");
        Assert.Equal(5, ServerSettings.Load(file, None, _ => null).ShutdownGraceSeconds);
        Assert.Equal(45, ServerSettings.Load(file, None, v => v == "SHARPLM_SHUTDOWN_GRACE" ? "45" : null).ShutdownGraceSeconds);
        var options = ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string> { [ServerSettings.ShutdownGrace] = "-1" }, _ => null);
        Assert.Equal("--shutdown-grace must be 0 to 86400 seconds (got -1).", Assert.Throws<SharpLMException>(options.Validate).Message);
    }

    [Fact]
    public void The_guardrail_policy_comes_from_the_file_the_environment_or_the_option()
    {
        string file = SettingsFile("""{"Serve":{"Model":"m","Guardrails":"file-policy.json"}}""");
        Assert.Equal("file-policy.json", ServerSettings.Load(file, None, _ => null).GuardrailsFile);
        var environment = new Dictionary<string, string> { ["SHARPLM_GUARDRAILS"] = "env-policy.json" };
        Assert.Equal("env-policy.json", ServerSettings.Load(file, None, v => environment.GetValueOrDefault(v)).GuardrailsFile);
        Assert.Equal("option-policy.json", ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string> { [ServerSettings.Guardrails] = "option-policy.json" },
            v => environment.GetValueOrDefault(v)).GuardrailsFile);
        Assert.Null(ServerSettings.Load(SettingsFile("""{"Serve":{"Model":"m"}}"""), None, _ => null).GuardrailsFile);
    }

    [Fact]
    public void A_bad_value_is_refused_naming_where_it_came_from()
    {
        string file = SettingsFile("""{"Serve":{"Model":"m","Queue":"many"}}""");
        var fromFile = Assert.Throws<SharpLMException>(() => ServerSettings.Load(file, None, _ => null));
        Assert.Contains("Serve:Queue", fromFile.Message);
        Assert.Contains(file, fromFile.Message);
        var fromEnvironment = Assert.Throws<SharpLMException>(() => ServerSettings.Load(file, None, v => v == "SHARPLM_THREADS" ? "lots" : null));
        Assert.Contains("SHARPLM_THREADS", fromEnvironment.Message);
        var fromOption = Assert.Throws<SharpLMException>(() => ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string> { [ServerSettings.Port] = "x" }, _ => null));
        Assert.Contains("--port", fromOption.Message);
        var notJson = Assert.Throws<SharpLMException>(() => ServerSettings.Load(SettingsFile("{\"Serve\": {"), None, _ => null));
        Assert.Contains("not valid JSON", notJson.Message);
        Assert.Throws<SharpLMException>(() => ServerSettings.Load(file + ".missing", None, _ => null));
        var noModel = Assert.Throws<SharpLMException>(() => ServerSettings.Load(SettingsFile("{}"), None, _ => null));
        Assert.Contains("--model", noModel.Message);
    }
}
