namespace SharpLM.Core.Reports;

/// <summary>
/// Renders a rows × columns grid of values as coloured cells (<see cref="ChartPalette.Scale"/>) with the value
/// written in each cell, labelled axes and a legend bar for the scale; a cell without a value is drawn light grey
/// with a cross so it cannot be read as a low score. Saves it as PNG.
/// </summary>
public sealed class HeatMap(int width = 960, int height = 540)
{
    internal const int Left = 130, Right = 130, Top = 60, Bottom = 80;
    internal static readonly (byte R, byte G, byte B) MissingFill = (238, 238, 238), MissingCross = (150, 150, 150);

    /// <summary>
    /// Draws and saves the map; <paramref name="values"/>[row, column]. The scale runs from <paramref name="min"/>
    /// to <paramref name="max"/> when given, else over the values present.
    /// </summary>
    public void Save(string path, string title, string rowTitle, string columnTitle, IReadOnlyList<string> rows, IReadOnlyList<string> columns,
        double?[,] values, double? min = null, double? max = null)
    {
        if (rows.Count == 0 || columns.Count == 0) throw new ArgumentException("A heat map needs at least one row and one column.");
        if (values.GetLength(0) != rows.Count || values.GetLength(1) != columns.Count) throw new ArgumentException("The value grid does not match the row and column labels.", nameof(values));
        var present = values.Cast<double?>().Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToList();
        double low = min ?? (present.Count > 0 ? present.Min() : 0), high = max ?? (present.Count > 0 ? present.Max() : 1);
        if (high - low < 1e-12) high = low + 1;
        var canvas = new ChartCanvas(width, height);

        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < columns.Count; c++)
            {
                var (x0, y0, x1, y1) = Cell(width, height, rows.Count, columns.Count, r, c);
                if (values[r, c] is { } v && double.IsFinite(v))
                {
                    var colour = ChartPalette.Scale((v - low) / (high - low));
                    canvas.Fill(x0, y0, x1, y1, colour);
                    string text = ChartCanvas.Format(Math.Round(v, 2));
                    if (ChartCanvas.TextWidth(text) <= x1 - x0 - 4 && ChartCanvas.TextHeight <= y1 - y0 - 4)
                    {
                        bool light = 0.299 * colour.R + 0.587 * colour.G + 0.114 * colour.B > 140;
                        canvas.Text((x0 + x1 - ChartCanvas.TextWidth(text)) / 2, (y0 + y1 - ChartCanvas.TextHeight) / 2, text, light ? ChartCanvas.Black : ChartCanvas.White);
                    }
                }
                else
                {
                    canvas.Fill(x0, y0, x1, y1, MissingFill);
                    canvas.Line(x0 + 3, y0 + 3, x1 - 4, y1 - 4, MissingCross, 1);
                    canvas.Line(x0 + 3, y1 - 4, x1 - 4, y0 + 3, MissingCross, 1);
                }
            }
            var (_, top, _, bottom) = Cell(width, height, rows.Count, columns.Count, r, 0);
            string label = ChartCanvas.Fit(rows[r], Left - 40);
            canvas.Text(Left - 8 - ChartCanvas.TextWidth(label), (top + bottom - ChartCanvas.TextHeight) / 2, label, ChartCanvas.Grey);
        }
        for (int c = 0; c < columns.Count; c++)
        {
            var (left, _, right, bottom) = Cell(width, height, rows.Count, columns.Count, rows.Count - 1, c);
            string label = ChartCanvas.Fit(columns[c], right - left);
            canvas.Text((left + right - ChartCanvas.TextWidth(label)) / 2, bottom + 8, label, ChartCanvas.Grey);
        }

        // The legend bar: the scale from high (top) to low (bottom), with its end values and midpoint.
        int barLeft = width - Right + 30, barTop = Top, barBottom = height - Bottom;
        for (int y = barTop; y < barBottom; y++)
            canvas.Fill(barLeft, y, barLeft + 20, y + 1, ChartPalette.Scale(1 - (double)(y - barTop) / (barBottom - barTop - 1)));
        foreach (var (value, y) in new[] { (high, barTop), ((low + high) / 2, (barTop + barBottom) / 2), (low, barBottom - ChartCanvas.TextHeight) })
            canvas.Text(barLeft + 26, y, ChartCanvas.Format(Math.Round(value, 3)), ChartCanvas.Grey);

        canvas.Text((width - ChartCanvas.TextWidth(title)) / 2, 15, title, ChartCanvas.Black);
        canvas.Text(Left + (width - Left - Right - ChartCanvas.TextWidth(columnTitle)) / 2, height - 35, columnTitle, ChartCanvas.Black);
        canvas.Text(10, 38, ChartCanvas.Fit(rowTitle, Left + 100), ChartCanvas.Black);
        canvas.Save(path);
    }

    /// <summary>The pixel rectangle [x0, x1) × [y0, y1) of a cell, leaving a one-pixel white gap between cells.</summary>
    internal static (int X0, int Y0, int X1, int Y1) Cell(int width, int height, int rows, int columns, int row, int column)
    {
        int plotWidth = width - Left - Right, plotHeight = height - Top - Bottom;
        int x0 = Left + column * plotWidth / columns, x1 = Left + (column + 1) * plotWidth / columns - 1;
        int y0 = Top + row * plotHeight / rows, y1 = Top + (row + 1) * plotHeight / rows - 1;
        return (x0, y0, x1, y1);
    }
}
