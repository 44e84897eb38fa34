using System.Diagnostics;
using SharpLM.Distributed;

namespace SharpLM.Cli.Stages;

/// <summary>
/// Times AllReduceSum over every rank. Rank r fills element i with (r+1)·(i mod 7 + 1), so the sum is
/// W(W+1)/2·(i mod 7 + 1), exact in float for any practical W: every result is checked, not just timed.
/// Bus bandwidth follows nccl-tests: algorithm bandwidth × 2(W−1)/W, the bytes each rank moves in a ring.
/// </summary>
public static class AllReduceBenchmark
{
    public static int Run(ICommunicator communicator, IReadOnlyList<int> sizes, int iterations)
    {
        int world = communicator.WorldSize;
        if (communicator.Rank == 0)
            Console.WriteLine($"all-reduce over {world} rank(s) ({(communicator is MpiCommunicator ? "Open MPI" : "one process")}); {iterations} timed iterations per size");
        foreach (int size in sizes)
        {
            var data = new float[size];
            double seconds = 0;
            for (int iteration = 0; iteration <= iterations; iteration++)
            {
                for (int i = 0; i < size; i++) data[i] = (communicator.Rank + 1) * (i % 7 + 1);
                communicator.Barrier();
                var clock = Stopwatch.StartNew();
                communicator.AllReduceSum(data);
                if (iteration > 0) seconds += clock.Elapsed.TotalSeconds; // the first call is a warm-up
                for (int i = 0; i < size; i++)
                {
                    float expected = world * (world + 1) / 2f * (i % 7 + 1);
                    if (data[i] != expected)
                        throw new InvalidOperationException($"all-reduce of {size} floats: element {i} is {data[i]}, expected {expected}.");
                }
            }
            double mean = seconds / iterations;
            double algorithmGBs = size * 4.0 / mean / 1e9;
            if (communicator.Rank == 0)
                Console.WriteLine($"{size,10:N0} floats {size * 4 / 1e6,8:F3} MB  {mean * 1e3,9:F3} ms  algbw {algorithmGBs,7:F2} GB/s  " +
                                  $"busbw {algorithmGBs * 2 * (world - 1) / world,7:F2} GB/s  verified");
        }
        return 0;
    }
}
