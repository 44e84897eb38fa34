namespace SharpLM.Core;

/// <summary>
/// An error caused by the user's input or environment (a missing file, a malformed format, a bad option).
/// Its message is one sentence that names the file, line or field and the problem; the CLI prints it
/// without a stack trace.
/// </summary>
public class SharpLMException : Exception
{
    public SharpLMException(string message) : base(message) { }
    public SharpLMException(string message, Exception inner) : base(message, inner) { }
}
