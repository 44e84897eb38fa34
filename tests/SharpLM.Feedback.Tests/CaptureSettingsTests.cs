using SharpLM.Core;
using SharpLM.Serving;
using SharpLM.Serving.Configuration;

namespace SharpLM.Feedback.Tests;

public class CaptureSettingsTests
{
    [Fact]
    public void Capture_options_come_from_the_command_line_environment_or_settings_file()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("sharplm-capture-settings-").FullName, "serve.json");
        File.WriteAllText(file, """{ "Serve": { "Model": "m", "Capture": "from-file.db", "CaptureRetentionDays": 30 } }""");
        var fromFile = ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string>(), _ => null);
        Assert.Equal(("from-file.db", 30), (fromFile.CaptureDatabase, fromFile.CaptureRetentionDays));

        var fromEnvironment = ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string>(),
            v => v switch { "SHARPLM_CAPTURE" => "env.db", "SHARPLM_CAPTURE_RETENTION_DAYS" => "7", _ => null });
        Assert.Equal(("env.db", 7), (fromEnvironment.CaptureDatabase, fromEnvironment.CaptureRetentionDays));

        var fromOption = ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string> { [ServerSettings.Capture] = "cli.db" }, v => v == "SHARPLM_CAPTURE" ? "env.db" : null);
        Assert.Equal("cli.db", fromOption.CaptureDatabase);

        var bad = Assert.Throws<SharpLMException>(() => ServerSettings.Load(file, new Dictionary<ServerSettings.Setting, string> { [ServerSettings.CaptureRetentionDays] = "month" }, _ => null));
        Assert.Contains("--capture-retention-days", bad.Message);
    }

    [Fact]
    public void A_retention_window_without_a_capture_database_is_refused()
    {
        var options = new ServerOptions { ModelDirectory = "m", CaptureRetentionDays = 30 };
        Assert.Contains("--capture", Assert.Throws<SharpLMException>(options.Validate).Message);
        Assert.Contains("must not be negative", Assert.Throws<SharpLMException>((options with { CaptureDatabase = "c.db", CaptureRetentionDays = -1 }).Validate).Message);
        (options with { CaptureDatabase = "c.db" }).Validate();
    }
}
