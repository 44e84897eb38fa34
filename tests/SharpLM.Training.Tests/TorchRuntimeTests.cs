using SharpLM.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void Libtorch_loads_and_runs_a_tensor_operation_and_backward_pass()
    {
        TorchRuntime.EnsureLoaded();
        var x = tensor(new float[] { 1f, 2f, 3f }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(14f, y.item<float>(), 1e-5);
        Assert.Equal(new[] { 2f, 4f, 6f }, x.grad!.data<float>().ToArray());
        Assert.NotEqual("not loaded", TorchRuntime.LoadMode);
    }
}
