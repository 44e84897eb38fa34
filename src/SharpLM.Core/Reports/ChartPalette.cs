namespace SharpLM.Core.Reports;

/// <summary>Colours shared by the charts: distinct series colours and a perceptually ordered scale for heat maps.</summary>
public static class ChartPalette
{
    private static readonly (byte R, byte G, byte B)[] SeriesColors =
    [
        (70, 130, 180), (220, 90, 40), (60, 160, 90), (150, 90, 170), (200, 160, 30), (90, 90, 90), (220, 110, 160), (40, 170, 190),
    ];

    // Five stops of the viridis scale: dark violet through teal to yellow, so lightness rises with the value.
    private static readonly (byte R, byte G, byte B)[] ScaleStops = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

    /// <summary>The colour of the i-th series; the list repeats after eight.</summary>
    public static (byte R, byte G, byte B) Series(int index) => SeriesColors[index % SeriesColors.Length];

    /// <summary>The heat-map colour of a position t in [0, 1] (clamped), linearly between the scale's stops.</summary>
    public static (byte R, byte G, byte B) Scale(double t)
    {
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        double position = t * (ScaleStops.Length - 1);
        int lower = Math.Min((int)position, ScaleStops.Length - 2);
        double f = position - lower;
        var (a, b) = (ScaleStops[lower], ScaleStops[lower + 1]);
        static byte Mix(byte x, byte y, double f) => (byte)Math.Round(x + (y - x) * f);
        return (Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }
}
