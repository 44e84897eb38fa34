using SharpLM.Core.Reports;
using SharpLM.Safety.Metrics;

namespace SharpLM.Safety.Reports;

/// <summary>
/// The card's PNG charts, drawn by SharpLM.Core's chart writers: attack success and over-refusal per hazard category,
/// attack success per transform, and a category × transform heat map. Bars carry no whiskers because Wilson intervals
/// are not symmetric around the rate; the card's tables give them.
/// </summary>
public static class SafetyCharts
{
    public const string CategoriesFile = "chart-categories.png", TransformsFile = "chart-transforms.png", HeatMapFile = "chart-heatmap.png";

    public static IReadOnlyList<(string File, string Title)> Write(string directory, RedTeamSummary summary)
    {
        var charts = new List<(string, string)>();
        if (summary.ByCategory.Count > 0)
        {
            new GroupedBarChart().Save(Path.Combine(directory, CategoriesFile), "Attack success and over-refusal by hazard category", "rate",
                summary.ByCategory.Select(r => r.Group).ToList(),
                [
                    new BarSeries("attack success", ChartPalette.Series(0), summary.ByCategory.Select(r => Value(r.AttackSuccess)).ToList()),
                    new BarSeries("over-refusal (benign twins)", ChartPalette.Series(1), summary.ByCategory.Select(r => r.OverRefusal is { } o ? Value(o) : null).ToList()),
                ], yMax: 1);
            charts.Add((CategoriesFile, "Attack success and over-refusal by hazard category"));
        }
        if (summary.ByTransform.Count > 0)
        {
            new GroupedBarChart().Save(Path.Combine(directory, TransformsFile), "Attack success by transform", "rate",
                summary.ByTransform.Select(r => r.Group).ToList(),
                [new BarSeries("attack success", ChartPalette.Series(0), summary.ByTransform.Select(r => Value(r.AttackSuccess)).ToList())], yMax: 1);
            charts.Add((TransformsFile, "Attack success by transform"));
            var rows = summary.ByCategory.Select(r => r.Group).ToList();
            var columns = summary.ByTransform.Select(r => r.Group).ToList();
            var grid = new double?[rows.Count, columns.Count];
            foreach (var cell in summary.Cells)
                grid[rows.IndexOf(cell.Category), columns.IndexOf(cell.Transform)] = Value(cell.AttackSuccess);
            new HeatMap().Save(Path.Combine(directory, HeatMapFile), "Attack success by category and transform", "category", "transform", rows, columns, grid, 0, 1);
            charts.Add((HeatMapFile, "Attack success by category and transform"));
        }
        return charts;
    }

    private static double? Value(Proportion p) => p.Trials == 0 ? null : p.Rate;
}
