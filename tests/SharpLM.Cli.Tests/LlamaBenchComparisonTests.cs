using SharpLM.Cli.Stages;
using SharpLM.Core;

namespace SharpLM.Cli.Tests;

public class LlamaBenchComparisonTests
{
    // llama-bench -o json as it printed for a 15M model (-p 8 -n 4 -t 1 -r 1), fields this side does not read cut.
    private const string Printed = """
        [
          {
            "build_commit": "de3ff81", "backends": "CPU", "model_type": "llama ?B all F32", "n_batch": 2048, "n_threads": 1,
            "n_prompt": 8, "n_gen": 0, "n_depth": 0, "avg_ns": 11582701, "stddev_ns": 0, "avg_ts": 690.685186, "stddev_ts": 0.000000,
            "samples_ns": [ 11582701 ], "samples_ts": [ 690.685 ]
          },
          {
            "build_commit": "de3ff81", "backends": "CPU", "model_type": "llama ?B all F32", "n_batch": 2048, "n_threads": 1,
            "n_prompt": 0, "n_gen": 4, "n_depth": 0, "avg_ns": 13712000, "stddev_ns": 0, "avg_ts": 291.715286, "stddev_ts": 0.000000,
            "samples_ns": [ 13712000 ], "samples_ts": [ 291.715 ]
          }
        ]
        """;

    [Fact]
    public void The_prompt_and_generation_tests_speeds_are_read_from_llama_benchs_json()
    {
        var speeds = LlamaBenchOutput.Parse(Printed, "llama-bench");
        Assert.Equal(690.685186, speeds.PromptTokensPerSecond, 9);
        Assert.Equal(291.715286, speeds.DecodeTokensPerSecond, 9);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("{}", "not a JSON array")]
    [InlineData("""[{"n_prompt": 8, "n_gen": 0, "avg_ts": 1.5}]""", "no generation test")]
    [InlineData("""[{"n_prompt": 0, "n_gen": 4, "avg_ts": 1.5}]""", "no prompt-processing test")]
    [InlineData("""[{"n_prompt": 8, "n_gen": 0}]""", "'avg_ts'")]
    public void Output_that_is_not_two_tests_is_one_clear_error(string json, string expected) =>
        Assert.Contains(expected, Assert.Throws<SharpLMException>(() => LlamaBenchOutput.Parse(json, "llama-bench")).Message);

    [Fact]
    public void A_missing_llama_bench_stops_the_verb_naming_the_option_and_how_to_build_one()
    {
        var result = CliProcess.Run("bench", "generate", "--llama-bench", "/nonexistent/llama-bench");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--llama-bench: '/nonexistent/llama-bench' does not exist; build it with tools/llamacpp-check/build-tools.sh.", result.Error);
    }

    [Fact]
    public void A_missing_llama_server_stops_the_serving_benchmark_before_it_starts()
    {
        var result = CliProcess.Run("bench", "serve", "--llama-server", "/nonexistent/llama-server", "--streams", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--llama-server: '/nonexistent/llama-server' does not exist; build it with tools/llamacpp-check/build-tools.sh.", result.Error);
    }
}
