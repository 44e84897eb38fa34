using SharpLM.Core;
using SharpLM.Inference.Constraints.Json;
using SharpLM.Inference.Constraints.Regex;

namespace SharpLM.Inference.Constraints;

/// <summary>Builds token constraints for the two supported languages over a tokenizer's <see cref="TokenTrie"/>.</summary>
public static class OutputConstraints
{
    /// <summary>Output that matches <paramref name="pattern"/> as a whole (see <see cref="RegexParser"/> for the syntax).</summary>
    public static TokenConstraint Regex(TokenTrie trie, string pattern) => Regex(trie, new RegexAutomaton(pattern));

    /// <summary>
    /// Output that matches <paramref name="automaton"/>'s pattern. One automaton may serve several constraints (the
    /// choices of one request), parsed once; it builds its states as they are reached, so one thread at a time uses it.
    /// </summary>
    public static TokenConstraint Regex(TokenTrie trie, RegexAutomaton automaton)
    {
        var start = automaton.Start ?? throw new SharpLMException($"regular expression '{automaton.Pattern}': matches no string at all.");
        return new TokenConstraint(trie, start);
    }

    /// <summary>Output that is a JSON document valid under <paramref name="schema"/>, within <paramref name="limits"/>.</summary>
    public static TokenConstraint JsonSchema(TokenTrie trie, JsonSchemaNode schema, JsonSchemaLimits? limits = null) =>
        new(trie, JsonMatcher.Start(schema, limits));
}
