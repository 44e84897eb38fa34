using SharpLM.Core.Runs;

namespace SharpLM.Core.Reports;

/// <summary>Draws a run's training and validation loss from its metrics.jsonl.</summary>
public static class LossCurve
{
    /// <summary>Writes the PNG and returns true, or returns false when the metrics hold no training steps.</summary>
    /// <param name="skipped">Told the number of each unreadable (torn) line of the metrics, which is left out.</param>
    public static bool Write(string metricsPath, string pngPath, Action<int>? skipped = null)
    {
        // A resumed run logs the steps after its checkpoint again; the last record of each step wins.
        var train = new SortedDictionary<int, double>();
        var validation = new SortedDictionary<int, double>();
        foreach (var record in MetricsReader.Read(metricsPath, "train_step", skipped))
        {
            if (MetricsReader.Number(record, "step") is not double s) continue;
            int step = (int)s;
            if (MetricsReader.Number(record, "loss") is double loss) train[step] = loss;
            if (MetricsReader.Number(record, "val_loss") is double v) validation[step] = v;
        }
        if (train.Count == 0) return false;
        var series = new List<ChartSeries>
        {
            new("train", (70, 130, 180), Smooth(train.Select(p => ((double)p.Key, p.Value)).ToList())),
        };
        if (validation.Count > 0) series.Add(new ChartSeries("validation", (220, 90, 40), validation.Select(p => ((double)p.Key, p.Value)).ToList(), Markers: true));
        new LineChart().Save(pngPath, "loss", "step", "nats/token", series);
        return true;
    }

    /// <summary>A centred moving average over about 1% of the run, so the trend shows through batch noise.</summary>
    private static List<(double X, double Y)> Smooth(List<(double X, double Y)> points)
    {
        int half = Math.Max(0, points.Count / 200);
        var smoothed = new List<(double, double)>(points.Count);
        for (int i = 0; i < points.Count; i++)
        {
            int from = Math.Max(0, i - half), to = Math.Min(points.Count - 1, i + half);
            double sum = 0;
            for (int j = from; j <= to; j++) sum += points[j].Y;
            smoothed.Add((points[i].X, sum / (to - from + 1)));
        }
        return smoothed;
    }
}
