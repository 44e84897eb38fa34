using System.Runtime.CompilerServices;
using SharpLM.Training.Native;

namespace SharpLM.PostTraining.Tests;

internal static class LibtorchInitializer
{
    /// <summary>Tests also call TorchSharp directly, so libtorch is loaded before any test runs.</summary>
#pragma warning disable CA2255 // This is a test assembly: it is the application here.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Load() => TorchRuntime.EnsureLoaded();
}
