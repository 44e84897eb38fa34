using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm bench onnx` as a real process on a tiny model: the rows it prints and writes, and a mistake named in one line.</summary>
public class OnnxBenchVerbTests
{
    [Fact]
    public void The_bench_times_the_engine_and_both_onnx_exports_on_the_same_greedy_tokens()
    {
        string model = TinyModelFolder.Create();
        string json = Path.Combine(CliProcess.TempDirectory(), "onnx-bench.json");
        var result = CliProcess.Run("bench", "onnx", "--model", model, "--prompt-tokens", "16", "--tokens", "8", "--rounds", "2", "--json", json);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("ORT fp16", result.Output);

        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var rows = report.RootElement.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("runtime").GetString()!);
        Assert.Equal(["engine", "ORT fp32", "ORT fp16"], rows.Keys);
        Assert.Equal(new FileInfo(Path.Combine(model, "model.safetensors")).Length, rows["engine"].GetProperty("file_bytes").GetInt64());
        long full = rows["ORT fp32"].GetProperty("file_bytes").GetInt64(), half = rows["ORT fp16"].GetProperty("file_bytes").GetInt64();
        Assert.InRange(half, full * 0.4, full * 0.6);
        Assert.All(rows.Values, r => Assert.True(r.GetProperty("prefill_tokens_per_second").GetDouble() > 0 && r.GetProperty("decode_tokens_per_second").GetDouble() > 0));
        // float32 graphs reproduce the engine's logits within 1e-4, so every greedy token agrees.
        Assert.Equal(8, rows["ORT fp32"].GetProperty("greedy_tokens_as_engine").GetInt32());
        Assert.Equal(1.0, rows["engine"].GetProperty("decode_ratio_to_engine").GetDouble());
    }

    [Fact]
    public void A_prompt_and_decode_longer_than_the_context_is_one_line_and_exit_code_2()
    {
        string model = TinyModelFolder.Create();
        var result = CliProcess.Run("bench", "onnx", "--model", model, "--prompt-tokens", "60", "--tokens", "8");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("sharplm: error: --prompt-tokens 60 + --tokens 8 exceed the model's context of 64", result.Error);
    }
}
