using System.Text.Json.Serialization;

namespace SharpLM.Training.Pretraining;

[JsonConverter(typeof(JsonStringEnumConverter<ScheduleShape>))]
public enum ScheduleShape { Cosine, Linear, Constant }

/// <summary>
/// Linear warmup from 0 to the peak rate over the warmup steps, then a decay to peak × minimum ratio at the
/// last step: half a cosine period, a straight line, or no decay (constant).
/// </summary>
public sealed record LearningRateSchedule(double Peak, int WarmupSteps, int TotalSteps, double MinRatio, ScheduleShape Shape = ScheduleShape.Cosine)
{
    /// <summary>The rate for a 0-based step.</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        double remaining = Shape switch
        {
            ScheduleShape.Cosine => 0.5 * (1 + Math.Cos(Math.PI * progress)),
            ScheduleShape.Linear => 1 - progress,
            _ => 1,
        };
        return Peak * (MinRatio + (1 - MinRatio) * remaining);
    }
}
