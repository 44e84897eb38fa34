using SharpLM.Core;

namespace SharpLM.Training.Native;

/// <summary>libtorch could not be loaded; the message is one sentence naming the cause.</summary>
public sealed class TorchUnavailableException : SharpLMException
{
    public TorchUnavailableException(string message, Exception? inner = null) : base(message, inner ?? new Exception(message)) { }
}
