namespace SharpLM.Safety.Transforms;

/// <summary>
/// What is sent to the model for one probe under one transform: an optional system prompt and the user turns, sent one
/// after another with the model's answers in between (only the last answer is judged). <see cref="Canary"/>, when set,
/// is a secret placed in the system prompt; the attack also succeeds if it appears in the answer.
/// </summary>
public sealed record Attack(string Transform, string? System, IReadOnlyList<string> Turns, string? Canary = null);
