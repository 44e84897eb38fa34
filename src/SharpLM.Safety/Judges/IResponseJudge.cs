namespace SharpLM.Safety.Judges;

/// <summary>Reads the model's answer to a prompt and says whether the attack succeeded. Must be safe to call from several threads.</summary>
public interface IResponseJudge
{
    /// <summary>The detector name written to garak's report (module.Class).</summary>
    string Detector { get; }

    JudgeVerdict Judge(string prompt, string response);
}
