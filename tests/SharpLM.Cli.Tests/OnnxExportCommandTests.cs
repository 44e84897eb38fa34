namespace SharpLM.Cli.Tests;

/// <summary>`sharplm export --format onnx` as a real process: the folder or file it writes, and mistakes named in one line.</summary>
public class OnnxExportCommandTests
{
    [Fact]
    public void Export_writes_an_onnx_file_and_says_what_it_holds()
    {
        string model = TinyModelFolder.Create();
        string output = Path.Combine(CliProcess.TempDirectory(), "model.onnx");
        var result = CliProcess.Run("export", "--format", "onnx", "--model", model, "--out", output);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("opset 17", result.Output);
        // The ONNX protobuf starts with field 1 (ir_version, varint 8).
        Assert.Equal(new byte[] { 0x08, 0x08 }, File.ReadAllBytes(output)[..2]);

        string half = Path.Combine(CliProcess.TempDirectory(), "model-f16.onnx");
        result = CliProcess.Run("export", "--format", "onnx", "--type", "f16", "--model", model, "--out", half);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("float16 weights", result.Output);
        Assert.True(new FileInfo(half).Length < 0.6 * new FileInfo(output).Length, "the f16 file is not about half the f32 one");
    }

    [Fact]
    public void Export_to_a_folder_writes_the_graph_the_genai_config_and_the_tokenizer()
    {
        string model = TinyModelFolder.Create();
        string output = Path.Combine(CliProcess.TempDirectory(), "onnx-folder");
        var result = CliProcess.Run("export", "--format", "onnx", "--model", model, "--out", output);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("genai_config.json (ONNX Runtime GenAI type 'llama'), tokenizer.json; no tokenizer_config.json", result.Output);
        Assert.Equal(new byte[] { 0x08, 0x08 }, File.ReadAllBytes(Path.Combine(output, "model.onnx"))[..2]);
        Assert.Equal(File.ReadAllText(Path.Combine(model, "tokenizer.json")), File.ReadAllText(Path.Combine(output, "tokenizer.json")));
        using var genai = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "genai_config.json")));
        Assert.Equal("model.onnx", genai.RootElement.GetProperty("model").GetProperty("decoder").GetProperty("filename").GetString());
    }

    [Theory]
    [InlineData("onnx-folder", "q4", "--type 'q4' does not apply to --format onnx")]
    [InlineData("model.onnx", "q8_0", "--type 'q8_0' does not apply to --format onnx")]
    public void Mistakes_are_one_line_and_exit_code_2(string output, string? type, string message)
    {
        string model = TinyModelFolder.Create();
        string[] typeArguments = type is null ? [] : ["--type", type];
        var result = CliProcess.Run(["export", "--format", "onnx", "--model", model, "--out", Path.Combine(CliProcess.TempDirectory(), output), .. typeArguments]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("sharplm: error: ", result.Error);
        Assert.Contains(message, result.Error);
    }
}
