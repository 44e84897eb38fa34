namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// The matcher inside an anyOf/oneOf value: the states of every alternative still alive, stepped together. An
/// alternative drops out when a character does not fit it; when alternatives close onto the same container frame
/// (the shared parent, by reference) they merge back into one state. Each member is viable, so the set is too.
/// </summary>
internal sealed class AlternativeStates : CharState
{
    private readonly CharState[] _states;

    private AlternativeStates(CharState[] states) => _states = states;

    /// <summary>One state for the given ones: null when none is left, the state itself when one is, otherwise the set (flattened, duplicates merged).</summary>
    public static CharState? Of(IEnumerable<CharState?> states)
    {
        var alive = new List<CharState>();
        foreach (var state in states)
        {
            if (state is AlternativeStates nested)
            {
                foreach (var inner in nested._states) Add(alive, inner);
            }
            else if (state is not null) Add(alive, state);
        }
        return alive.Count switch
        {
            0 => null,
            1 => alive[0],
            _ => new AlternativeStates(alive.ToArray()),
        };
    }

    private static void Add(List<CharState> alive, CharState state)
    {
        foreach (var existing in alive)
            if (ReferenceEquals(existing, state)) return;
        alive.Add(state);
    }

    public override CharState? Step(int codePoint) => Of(_states.Select(s => s.Step(codePoint)));
    public override bool AcceptsAnyIn(int low, int high) => _states.Any(s => s.AcceptsAnyIn(low, high));
    public override bool IsComplete => _states.Any(s => s.IsComplete);
    public override bool CanContinue => _states.Any(s => s.CanContinue);
}
