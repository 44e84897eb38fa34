using System.Globalization;

namespace SharpLM.Core.Reports;

/// <summary>
/// The RGB pixel buffer every chart draws on: pixels, lines, filled rectangles and PixelFont text at twice the
/// glyph size, plus the tick and number formatting the charts share. Saved through <see cref="PngWriter"/>.
/// </summary>
internal sealed class ChartCanvas
{
    public const int Scale = 2; // font pixels per glyph pixel
    public static readonly (byte R, byte G, byte B) Black = (0, 0, 0), White = (255, 255, 255), Grey = (60, 60, 60), GridGrey = (225, 225, 225);

    private readonly byte[] _pixels;

    public ChartCanvas(int width, int height)
    {
        if (width < 200 || height < 150) throw new ArgumentException("A chart needs at least 200 × 150 pixels.");
        Width = width;
        Height = height;
        _pixels = Enumerable.Repeat((byte)255, width * height * 3).ToArray();
    }

    public int Width { get; }
    public int Height { get; }

    public static int TextWidth(string text) => text.Length * (PixelFont.Width + 1) * Scale;
    public static int TextHeight => PixelFont.Height * Scale;

    /// <summary>The text cut (with a trailing '..') so it fits in the given width.</summary>
    public static string Fit(string text, int maxWidth)
    {
        if (TextWidth(text) <= maxWidth) return text;
        int chars = Math.Max(0, maxWidth / ((PixelFont.Width + 1) * Scale) - 2);
        return chars == 0 ? "" : text[..chars] + "..";
    }

    public void Text(int x, int y, string text, (byte, byte, byte) color)
    {
        for (int c = 0; c < text.Length; c++)
            for (int gy = 0; gy < PixelFont.Height; gy++)
                for (int gx = 0; gx < PixelFont.Width; gx++)
                    if (PixelFont.Ink(text[c], gx, gy))
                        for (int sy = 0; sy < Scale; sy++)
                            for (int sx = 0; sx < Scale; sx++)
                                Set(x + (c * (PixelFont.Width + 1) + gx) * Scale + sx, y + gy * Scale + sy, color);
    }

    /// <summary>Bresenham's line with a square pen of the given thickness.</summary>
    public void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) color, int thickness)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
        while (true)
        {
            for (int ox = 0; ox < thickness; ox++)
                for (int oy = 0; oy < thickness; oy++)
                    Set(x0 + ox - thickness / 2, y0 + oy - thickness / 2, color);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * error;
            if (e2 >= dy) { error += dy; x0 += sx; }
            if (e2 <= dx) { error += dx; y0 += sy; }
        }
    }

    /// <summary>Fills the pixels x in [x0, x1), y in [y0, y1).</summary>
    public void Fill(int x0, int y0, int x1, int y1, (byte, byte, byte) color)
    {
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                Set(x, y, color);
    }

    public void Set(int x, int y, (byte R, byte G, byte B) color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int i = (y * Width + x) * 3;
        _pixels[i] = color.R;
        _pixels[i + 1] = color.G;
        _pixels[i + 2] = color.B;
    }

    public void Save(string path) => PngWriter.Write(path, Width, Height, _pixels);

    /// <summary>About five "nice" tick values (1, 2 or 5 × a power of ten apart) inside [min, max].</summary>
    public static IEnumerable<double> Ticks(double min, double max)
    {
        double step = TickStep(min, max);
        for (double tick = Math.Ceiling(min / step - 1e-9) * step; tick <= max + step * 1e-9; tick += step) yield return Math.Round(tick, 10);
    }

    public static double TickStep(double min, double max)
    {
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        return new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
    }

    public static string Format(double value) =>
        Math.Abs(value) < 1e-9 ? "0" : Math.Abs(value) >= 1000 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
