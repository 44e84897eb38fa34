using SharpLM.Core.Formats.Gguf;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm inspect`: what a GGUF file holds, after the reader has validated it.</summary>
public static class GgufInspection
{
    /// <summary>Arrays longer than this are shown by their first elements and length (a vocabulary has 10^5 tokens).</summary>
    private const int ShownElements = 8;

    public static void Print(string path)
    {
        var file = GgufReader.Read(path);
        AnsiConsole.MarkupLine(Markup.Escape($"{path}: GGUF version {file.Version}, alignment {file.Alignment}, {file.Metadata.Count} metadata keys, " +
            $"{file.Tensors.Count} tensors, data from byte {file.DataStart:N0}, {file.FileLength:N0} bytes"));
        var metadata = new Table().AddColumns("key", "type", "value");
        foreach (var (key, value) in file.Metadata)
            metadata.AddRow(Markup.Escape(key), Markup.Escape(value.Describe()), Markup.Escape(Show(value)));
        AnsiConsole.Write(metadata);
        var tensors = new Table().AddColumns("tensor", "type", "dims (ggml order)", "offset", "bytes");
        foreach (var tensor in file.Tensors)
            tensors.AddRow(Markup.Escape(tensor.Name), tensor.Type.ToString(), $"{{{string.Join(", ", tensor.Dimensions)}}}", $"{tensor.Offset:N0}", $"{tensor.ByteLength:N0}");
        AnsiConsole.Write(tensors);
    }

    private static string Show(GgufValue value)
    {
        if (value.Value is not Array array) return value.Type == GgufValueType.String ? Truncate(value.As<string>()) : value.ToString();
        var shown = array.Cast<object>().Take(ShownElements).Select(e => e is string s ? $"\"{Truncate(s)}\"" : Convert.ToString(e, System.Globalization.CultureInfo.InvariantCulture));
        return $"[{string.Join(", ", shown)}{(array.Length > ShownElements ? $", … ({array.Length:N0} in all)" : "")}]";
    }

    private static string Truncate(string text)
    {
        string oneLine = text.Replace("\n", "\\n");
        return oneLine.Length <= 80 ? oneLine : oneLine[..77] + "...";
    }
}
