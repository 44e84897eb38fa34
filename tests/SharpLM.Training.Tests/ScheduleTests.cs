using SharpLM.Inference.Generation;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

public class ScheduleTests
{
    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var schedule = new LearningRateSchedule(Peak: 1.0, WarmupSteps: 10, TotalSteps: 111, MinRatio: 0.1);
        Assert.Equal(0.1, schedule.At(0), 12);
        Assert.Equal(0.5, schedule.At(4), 12);
        Assert.Equal(1.0, schedule.At(9), 12);
        Assert.Equal(1.0, schedule.At(10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, schedule.At(60), 12);
        Assert.Equal(0.1, schedule.At(110), 12);
    }
}
