namespace SharpLM.Safety.Transforms;

/// <summary>Turns a probe's prompt into an attack. Whatever it draws comes from <paramref name="random"/>, so a seed fixes it.</summary>
public interface IAttackTransform
{
    string Name { get; }

    Attack Apply(string prompt, Random random);
}
