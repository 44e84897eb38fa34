using SharpLM.Core.Reports;

namespace SharpLM.Core.Tests;

public class ChartTests
{
    private static readonly (byte, byte, byte) Blue = (70, 130, 180), Orange = (220, 90, 40);

    /// <summary>Runs of consecutive x where the pixel at row y has the colour, as (first, last) pairs.</summary>
    private static List<(int First, int Last)> Runs(DecodedPng png, int y, (byte, byte, byte) colour)
    {
        var runs = new List<(int, int)>();
        for (int x = 0; x < png.Width; x++)
        {
            if (png[x, y] != colour) continue;
            int first = x;
            while (x + 1 < png.Width && png[x + 1, y] == colour) x++;
            runs.Add((first, x));
        }
        return runs;
    }

    private static int ColumnHeight(DecodedPng png, int x, int fromY, (byte, byte, byte) colour)
    {
        int height = 0;
        for (int y = fromY; y >= 0 && png[x, y] == colour; y--) height++;
        return height;
    }

    [Fact]
    public void Bar_heights_in_pixels_are_proportional_to_the_values()
    {
        using var dir = new TempDirectory();
        double[] a = [0.25, 1.0, 0.6], b = [0.5, 0.1, 0.0];
        new GroupedBarChart().Save(dir.File("bars.png"), "accuracy", "acc", ["task_a", "task_b", "task_c"],
            [new BarSeries("model a", Blue, a.Select(v => (double?)v).ToList()), new BarSeries("model b", Orange, b.Select(v => (double?)v).ToList())], yMax: 1.0);
        var png = DecodedPng.Read(dir.File("bars.png"));
        Assert.Equal((960, 540), (png.Width, png.Height));

        // Find the baseline: the lowest row that still holds blue pixels inside the plot, just above the axis.
        int baseline = Enumerable.Range(0, png.Height).Last(y => Runs(png, y, Blue).Any(r => r.First > GroupedBarChart.Left));
        var blueBars = Runs(png, baseline, Blue).Where(r => r.First > GroupedBarChart.Left).ToList();
        var orangeBars = Runs(png, baseline, Orange).Where(r => r.First > GroupedBarChart.Left).ToList();
        Assert.Equal(3, blueBars.Count);
        Assert.Equal(2, orangeBars.Count); // the zero bar has no height
        int fullHeight = ColumnHeight(png, blueBars[1].First + 1, baseline, Blue); // value 1.0 = the whole axis
        Assert.True(fullHeight > 300);
        for (int i = 0; i < 3; i++)
            Assert.InRange(ColumnHeight(png, blueBars[i].First + 1, baseline, Blue), a[i] * fullHeight - 1.5, a[i] * fullHeight + 1.5);
        Assert.InRange(ColumnHeight(png, orangeBars[0].First + 1, baseline, Orange), 0.5 * fullHeight - 1.5, 0.5 * fullHeight + 1.5);
        Assert.InRange(ColumnHeight(png, orangeBars[1].First + 1, baseline, Orange), 0.1 * fullHeight - 1.5, 0.1 * fullHeight + 1.5);
        // Bars of a group sit side by side: model a's bar left of model b's in the first group.
        Assert.True(blueBars[0].Last < orangeBars[0].First);
    }

    [Fact]
    public void Error_whiskers_span_the_standard_error_around_the_bar_top()
    {
        using var dir = new TempDirectory();
        new GroupedBarChart().Save(dir.File("bars.png"), "acc", "acc", ["t"], [new BarSeries("m", Blue, [0.5], [0.2])], yMax: 1.0);
        var png = DecodedPng.Read(dir.File("bars.png"));
        int baseline = Enumerable.Range(0, png.Height).Last(y => Runs(png, y, Blue).Any(r => r.First > GroupedBarChart.Left));
        var bar = Runs(png, baseline, Blue).Single(r => r.First > GroupedBarChart.Left);
        int barHeight = ColumnHeight(png, bar.First + 1, baseline, Blue); // 0.5 of the axis
        int centre = (bar.First + bar.Last + 1) / 2;
        var black = Enumerable.Range(0, png.Height).Where(y => png[centre, y] == (0, 0, 0) && y < baseline - 2).ToList();
        // The whisker is one unbroken black line from 0.3 to 0.7 of the axis height (the label text sits above it).
        int whiskerBottom = black.Max(), whiskerTop = whiskerBottom;
        while (black.Contains(whiskerTop - 1)) whiskerTop--;
        double unit = barHeight / 0.5;
        Assert.InRange(baseline - whiskerBottom, 0.3 * unit - 2, 0.3 * unit + 2);
        Assert.InRange(baseline - whiskerTop, 0.7 * unit - 2, 0.7 * unit + 2);
    }

    [Fact]
    public void Heat_map_cell_colours_are_ordered_by_value_and_missing_cells_stand_apart()
    {
        using var dir = new TempDirectory();
        var values = new double?[,] { { 0.0, 0.25, null }, { 0.5, 0.75, 1.0 } };
        new HeatMap().Save(dir.File("heat.png"), "needle", "depth %", "context length", ["0", "50"], ["256", "512", "1024"], values);
        var png = DecodedPng.Read(dir.File("heat.png"));
        var colours = new List<(double Value, (byte R, byte G, byte B) Colour)>();
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
            {
                var (x0, y0, x1, y1) = HeatMap.Cell(png.Width, png.Height, 2, 3, r, c);
                var corner = png[x0 + 1, y0 + 1];
                Assert.Equal(corner, png[x1 - 2, y1 - 2]); // the cell is filled edge to edge
                if (values[r, c] is { } v) colours.Add((v, corner));
                else
                {
                    Assert.Equal(HeatMap.MissingFill, corner);
                    Assert.Equal(HeatMap.MissingCross, png[x0 + 3, y0 + 3]); // the cross through an empty cell
                }
            }
        // Independent of the palette's stops: distinct values get distinct colours whose luminance rises with the value,
        // and the ends are the scale's ends (viridis' dark violet and yellow).
        var ordered = colours.OrderBy(c => c.Value).Select(c => 0.299 * c.Colour.R + 0.587 * c.Colour.G + 0.114 * c.Colour.B).ToList();
        for (int i = 1; i < ordered.Count; i++) Assert.True(ordered[i] > ordered[i - 1] + 5, $"luminance {ordered[i]} after {ordered[i - 1]}");
        Assert.Equal(((byte)68, (byte)1, (byte)84), colours.Single(c => c.Value == 0.0).Colour);
        Assert.Equal(((byte)253, (byte)231, (byte)37), colours.Single(c => c.Value == 1.0).Colour);
        Assert.DoesNotContain(colours, c => c.Colour == HeatMap.MissingFill);
        // The legend bar at the right runs from the top colour down to the bottom colour.
        int barX = png.Width - HeatMap.Right + 35;
        Assert.Equal(((byte)253, (byte)231, (byte)37), png[barX, HeatMap.Top]);
        Assert.Equal(((byte)68, (byte)1, (byte)84), png[barX, png.Height - HeatMap.Bottom - 1]);
    }

    [Fact]
    public void Series_with_the_wrong_number_of_values_are_refused()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() => new GroupedBarChart().Save(dir.File("x.png"), "t", "y", ["a", "b"], [new BarSeries("m", Blue, [1.0])]));
        Assert.Throws<ArgumentException>(() => new HeatMap().Save(dir.File("x.png"), "t", "r", "c", ["a"], ["b", "c"], new double?[1, 1]));
        Assert.False(File.Exists(dir.File("x.png")));
    }
}
