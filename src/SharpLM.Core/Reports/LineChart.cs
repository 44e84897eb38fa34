namespace SharpLM.Core.Reports;

/// <summary>One line of a chart: a name for the legend, an RGB colour and its points.</summary>
public sealed record ChartSeries(string Name, (byte R, byte G, byte B) Color, IReadOnlyList<(double X, double Y)> Points, bool Markers = false);

/// <summary>
/// Renders line series onto a white canvas with axes, grid, tick labels, axis titles and a legend, and saves it
/// as PNG. Enough for loss curves in run reports.
/// </summary>
public sealed class LineChart(int width = 960, int height = 540)
{
    private const int Left = 110, Right = 30, Top = 60, Bottom = 80;
    private readonly ChartCanvas _canvas = new(width, height);

    public void Save(string path, string title, string xTitle, string yTitle, IReadOnlyList<ChartSeries> series)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (points.Count == 0) throw new ArgumentException("A chart needs at least one finite point.", nameof(series));
        var (xMin, xMax) = Range(points.Select(p => p.X));
        var (yMin, yMax) = Range(points.Select(p => p.Y));
        int plotWidth = width - Left - Right, plotHeight = height - Top - Bottom;
        int ToX(double x) => Left + (int)Math.Round((x - xMin) / (xMax - xMin) * plotWidth);
        int ToY(double y) => Top + plotHeight - (int)Math.Round((y - yMin) / (yMax - yMin) * plotHeight);

        foreach (double tick in Ticks(yMin, yMax))
        {
            int y = ToY(tick);
            Line(Left, y, Left + plotWidth, y, (225, 225, 225), 1);
            string label = Format(tick);
            Text(Left - 10 - TextWidth(label), y - ChartCanvas.TextHeight / 2, label, (60, 60, 60));
        }
        foreach (double tick in Ticks(xMin, xMax))
        {
            int x = ToX(tick);
            Line(x, Top, x, Top + plotHeight, (225, 225, 225), 1);
            string label = Format(tick);
            Text(x - TextWidth(label) / 2, Top + plotHeight + 10, label, (60, 60, 60));
        }
        Line(Left, Top + plotHeight, Left + plotWidth, Top + plotHeight, (0, 0, 0), 2);
        Line(Left, Top, Left, Top + plotHeight, (0, 0, 0), 2);

        foreach (var s in series)
        {
            for (int i = 1; i < s.Points.Count; i++)
                Line(ToX(s.Points[i - 1].X), ToY(s.Points[i - 1].Y), ToX(s.Points[i].X), ToY(s.Points[i].Y), s.Color, 2);
            if (s.Markers)
                foreach (var (x, y) in s.Points) Line(ToX(x), ToY(y), ToX(x), ToY(y), s.Color, 8);
        }

        Text((width - TextWidth(title)) / 2, 15, title, (0, 0, 0));
        Text(Left + (plotWidth - TextWidth(xTitle)) / 2, height - 35, xTitle, (0, 0, 0));
        // The y title sits on its own line between the chart title and the plot, so a long title never overlaps it.
        Text(10, Top - ChartCanvas.TextHeight - 8, yTitle, (0, 0, 0));
        int legendY = Top + 10;
        foreach (var s in series)
        {
            int legendX = Left + plotWidth - 20 - TextWidth(s.Name) - 40;
            Line(legendX, legendY + 7, legendX + 30, legendY + 7, s.Color, 3);
            Text(legendX + 40, legendY, s.Name, (0, 0, 0));
            legendY += 24;
        }
        _canvas.Save(path);
    }

    private static (double, double) Range(IEnumerable<double> values)
    {
        double min = values.Min(), max = values.Max();
        if (max - min < 1e-12) { min -= 0.5; max += 0.5; }
        double pad = (max - min) * 0.03;
        return (min - pad, max + pad);
    }

    private static IEnumerable<double> Ticks(double min, double max) => ChartCanvas.Ticks(min, max);
    private static string Format(double value) => ChartCanvas.Format(value);
    private static int TextWidth(string text) => ChartCanvas.TextWidth(text);
    private void Text(int x, int y, string text, (byte, byte, byte) color) => _canvas.Text(x, y, text, color);
    private void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) color, int thickness) => _canvas.Line(x0, y0, x1, y1, color, thickness);
}
