using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Tests;

public class PythonRandomTests
{
    [Theory]
    [InlineData(42, 0.6394267984578837)]
    [InlineData(1234, 0.9664535356921388)]
    public void FirstDrawMatchesCPython(long seed, double expected) => Assert.Equal(expected, new PythonRandom(seed).NextDouble());

    // Expected lists printed by CPython 3: random.seed(42); random.sample(range(100), 10), and so on.
    [Fact]
    public void SampleMatchesCPython()
    {
        Assert.Equal([81, 14, 3, 94, 35, 31, 28, 17, 13, 86], new PythonRandom(42).Sample(Enumerable.Range(0, 100).ToList(), 10));
        Assert.Equal([14, 3, 0, 2, 1], new PythonRandom(1234).Sample(Enumerable.Range(0, 20).ToList(), 5));
        Assert.Equal([989, 796, 451, 119, 7, 92, 932, 965, 961, 826, 596, 35, 687, 709, 85, 100, 784, 363, 242, 17, 31, 807, 16, 354, 663, 638],
            new PythonRandom(1234).Sample(Enumerable.Range(0, 1000).ToList(), 26));
        var shared = new PythonRandom(1234);
        var small = Enumerable.Range(0, 7).ToList();
        Assert.Equal([6, 3, 0], shared.Sample(small, 3));
        Assert.Equal([0, 6, 4], shared.Sample(small, 3));
        Assert.Equal([0, 5, 6], shared.Sample(small, 3));
    }

    [Fact]
    public void SampleDrawsDistinctMembersDeterministically()
    {
        var population = Enumerable.Range(0, 1000).ToList();
        var first = new PythonRandom(1234).Sample(population, 26);
        var second = new PythonRandom(1234).Sample(population, 26);
        Assert.Equal(first, second);
        Assert.Equal(26, first.Distinct().Count());
        var small = new PythonRandom(1234).Sample(population.Take(10).ToList(), 10);
        Assert.Equal(Enumerable.Range(0, 10), small.Order());
    }
}
