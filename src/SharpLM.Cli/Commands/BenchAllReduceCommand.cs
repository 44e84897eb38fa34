using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;

namespace SharpLM.Cli.Commands;

/// <summary>sharplm bench allreduce: run under mpirun (or alone) to time and verify the data-parallel all-reduce.</summary>
public static class BenchAllReduceCommand
{
    public static Command Create()
    {
        var sizes = new Option<int[]>("--floats") { Description = "Buffer sizes in floats (4 bytes each).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1 << 10, 1 << 18, 1 << 22] };
        var iterations = new Option<int>("--iterations") { Description = "Timed all-reduces per size (after one verified warm-up).", DefaultValueFactory = _ => 10 }.AtLeast(1);
        var command = new Command("allreduce", "All-reduce time and bus bandwidth over the ranks of mpirun/srun (one rank when started alone), each result checked against its closed form.")
            { sizes, iterations };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            foreach (int size in parse.GetValue(sizes)!)
                if (size < 1) throw new Core.SharpLMException($"--floats: every size must be at least 1 (got {size}).");
            using var communicator = Distributed.Communicators.FromEnvironment();
            DataParallelRank.Guard(communicator, () => AllReduceBenchmark.Run(communicator, parse.GetValue(sizes)!, parse.GetValue(iterations)));
            return 0;
        }));
        return command;
    }
}
