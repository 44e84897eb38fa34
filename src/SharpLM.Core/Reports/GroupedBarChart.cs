namespace SharpLM.Core.Reports;

/// <summary>
/// One series of a grouped bar chart: a name for the legend, a colour, one value per category (null where the
/// series has none) and optionally an error half-width per category (a standard error), drawn as a whisker.
/// </summary>
public sealed record BarSeries(string Name, (byte R, byte G, byte B) Color, IReadOnlyList<double?> Values, IReadOnlyList<double?>? Errors = null);

/// <summary>
/// Renders categories × series as groups of vertical bars from a zero baseline, with value labels above the bars,
/// optional error whiskers, a y axis with grid and ticks, category labels and a legend; saves it as PNG.
/// </summary>
public sealed class GroupedBarChart(int width = 960, int height = 540)
{
    internal const int Left = 110, Right = 30, Top = 60, Bottom = 80;
    private const int LegendRow = 24;

    /// <summary>
    /// Draws and saves the chart. The y axis runs from min(0, lowest value) to <paramref name="yMax"/> when given
    /// (e.g. 1 for accuracies), else to a tick just above the highest value or whisker.
    /// </summary>
    public void Save(string path, string title, string yTitle, IReadOnlyList<string> categories, IReadOnlyList<BarSeries> series, double? yMax = null)
    {
        if (categories.Count == 0 || series.Count == 0) throw new ArgumentException("A bar chart needs at least one category and one series.");
        foreach (var s in series)
            if (s.Values.Count != categories.Count || (s.Errors is { } e && e.Count != categories.Count))
                throw new ArgumentException($"Series '{s.Name}' needs one value per category.", nameof(series));
        var canvas = new ChartCanvas(width, height);
        var (low, high) = Range(series, yMax);
        int plotWidth = width - Left - Right, plotHeight = height - Top - Bottom - LegendRow * ((series.Count + 3) / 4);
        int plotTop = height - Bottom - plotHeight;
        int ToY(double y) => plotTop + plotHeight - (int)Math.Round((Math.Clamp(y, low, high) - low) / (high - low) * plotHeight);

        foreach (double tick in ChartCanvas.Ticks(low, high))
        {
            int y = ToY(tick);
            canvas.Line(Left, y, Left + plotWidth, y, ChartCanvas.GridGrey, 1);
            string label = ChartCanvas.Format(tick);
            canvas.Text(Left - 10 - ChartCanvas.TextWidth(label), y - ChartCanvas.TextHeight / 2, label, ChartCanvas.Grey);
        }

        int groupWidth = plotWidth / categories.Count;
        int barWidth = Math.Max(2, (int)(groupWidth * 0.8) / series.Count);
        int baseline = ToY(0);
        for (int c = 0; c < categories.Count; c++)
        {
            int groupLeft = Left + c * groupWidth + (groupWidth - barWidth * series.Count) / 2;
            for (int s = 0; s < series.Count; s++)
            {
                if (series[s].Values[c] is not { } value || !double.IsFinite(value)) continue;
                int x0 = groupLeft + s * barWidth + 1, x1 = groupLeft + (s + 1) * barWidth - 1, top = ToY(value);
                canvas.Fill(x0, Math.Min(top, baseline), x1, Math.Max(top, baseline), series[s].Color);
                int labelY = Math.Min(top, baseline);
                if (series[s].Errors?[c] is { } error && double.IsFinite(error) && error > 0)
                {
                    int centre = (x0 + x1) / 2, whiskerTop = ToY(value + error), whiskerBottom = ToY(value - error);
                    int cap = Math.Max(2, (x1 - x0) / 4);
                    canvas.Line(centre, whiskerTop, centre, whiskerBottom, ChartCanvas.Black, 1);
                    canvas.Line(centre - cap, whiskerTop, centre + cap, whiskerTop, ChartCanvas.Black, 1);
                    canvas.Line(centre - cap, whiskerBottom, centre + cap, whiskerBottom, ChartCanvas.Black, 1);
                    labelY = Math.Min(labelY, whiskerTop);
                }
                string text = ChartCanvas.Fit(ChartCanvas.Format(Math.Round(value, 3)), Math.Max(x1 - x0 + 8, 0));
                canvas.Text((x0 + x1 - ChartCanvas.TextWidth(text)) / 2, labelY - ChartCanvas.TextHeight - 4, text, ChartCanvas.Black);
            }
            string category = ChartCanvas.Fit(categories[c], groupWidth - 6);
            canvas.Text(Left + c * groupWidth + (groupWidth - ChartCanvas.TextWidth(category)) / 2, plotTop + plotHeight + 10, category, ChartCanvas.Black);
        }
        canvas.Line(Left, baseline, Left + plotWidth, baseline, ChartCanvas.Black, 2);
        canvas.Line(Left, plotTop, Left, plotTop + plotHeight, ChartCanvas.Black, 2);

        canvas.Text((width - ChartCanvas.TextWidth(title)) / 2, 15, title, ChartCanvas.Black);
        canvas.Text(10, 15, yTitle, ChartCanvas.Black);
        // The legend sits between the title and the plot, four entries a row, so it never covers a bar.
        int legendWidth = plotWidth / 4;
        for (int s = 0; s < series.Count; s++)
        {
            int x = Left + s % 4 * legendWidth, y = 40 + s / 4 * LegendRow;
            canvas.Fill(x, y, x + 14, y + 14, series[s].Color);
            canvas.Text(x + 20, y, ChartCanvas.Fit(series[s].Name, legendWidth - 26), ChartCanvas.Black);
        }
        canvas.Save(path);
    }

    private static (double Low, double High) Range(IReadOnlyList<BarSeries> series, double? yMax)
    {
        var ends = new List<double> { 0 };
        for (int s = 0; s < series.Count; s++)
            for (int c = 0; c < series[s].Values.Count; c++)
                if (series[s].Values[c] is { } v && double.IsFinite(v))
                {
                    double e = series[s].Errors?[c] is { } err && double.IsFinite(err) ? Math.Abs(err) : 0;
                    ends.Add(v + e);
                    ends.Add(v - e);
                }
        double low = Math.Min(0, ends.Min()), high = yMax ?? ends.Max();
        if (high - low < 1e-12) high = low + 1;
        if (yMax is null)
        {
            // Round the top up to a tick so the highest bar leaves room for its label.
            double step = ChartCanvas.TickStep(low, high * 1.1);
            high = Math.Ceiling(high * 1.1 / step) * step;
        }
        if (low < 0)
        {
            double step = ChartCanvas.TickStep(low, high);
            low = Math.Floor(low / step) * step;
        }
        return (low, high);
    }
}
