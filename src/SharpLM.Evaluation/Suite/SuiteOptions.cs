namespace SharpLM.Evaluation.Suite;

/// <summary>How the suite is generated.</summary>
/// <param name="Seed">Seeds every task's generator (CPython's Mersenne Twister, <see cref="Running.PythonRandom"/>).</param>
/// <param name="MaxLength">The target model's context: the needle haystacks reach 25, 50, 75 and 100% of it.</param>
/// <param name="Documents">Documents per generated task (capitals always has the 50 states, needles the grid).</param>
/// <param name="CountTokens">Counts a text's tokens in the target model's tokenizer; null measures lengths in words.</param>
public sealed record SuiteOptions(int Seed = 1234, int MaxLength = 256, int Documents = 50, Func<string, int>? CountTokens = null)
{
    /// <summary>The unit of <c>context_length</c> in the needle documents.</summary>
    public string LengthUnit => CountTokens is null ? "words" : "tokens";

    public int Count(string text) => CountTokens?.Invoke(text) ?? SuiteText.Words(text);
}
