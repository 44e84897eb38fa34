using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace SharpLM.Data.Ingest;

/// <summary>The readable text of an HTML page and its title (empty when it has none).</summary>
public readonly record struct HtmlContent(string Title, string Text);

/// <summary>
/// Reduces HTML to its readable text. Parsing is AngleSharp's (the HTML5 algorithm, so broken markup is read as a
/// browser would and entities are decoded). Elements that are not content are dropped with their subtree: scripts,
/// styles, templates, the head, navigation, page headers and footers, asides, forms and anything with
/// role="navigation". Paragraph-level elements end a paragraph (a blank line follows), line-level ones (br, div, li,
/// tr...) end a line, and all other whitespace collapses to single spaces, except inside pre where it is kept.
/// </summary>
public static class HtmlText
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside", "form",
        "iframe", "object", "embed", "svg", "canvas", "select", "button",
    };

    private static readonly HashSet<string> ParagraphBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "section", "article", "main", "table", "ul", "ol",
        "dl", "hr", "figure", "address", "fieldset", "details",
    };

    private static readonly HashSet<string> LineBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "br", "div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "center", "legend",
    };

    private static readonly HashSet<string> CellBlocks = new(StringComparer.OrdinalIgnoreCase) { "td", "th" };

    public static string ToText(string html) => Extract(html).Text;

    public static HtmlContent Extract(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        string title = CollapseWhitespace(document.Title ?? "");
        var writer = new TextWriter();
        if (document.Body is { } body) Walk(body, writer, preformatted: false);
        else if (document.DocumentElement is { } root) Walk(root, writer, preformatted: false);
        return new HtmlContent(title, writer.ToString());
    }

    private static void Walk(INode node, TextWriter writer, bool preformatted)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    writer.Text(text.Data, preformatted);
                    break;
                case IElement element:
                    string name = element.LocalName;
                    if (Dropped.Contains(name) || string.Equals(element.GetAttribute("role"), "navigation", StringComparison.OrdinalIgnoreCase)
                        || element.HasAttribute("hidden"))
                        break;
                    int level = ParagraphBlocks.Contains(name) ? 2 : LineBlocks.Contains(name) ? 1 : 0;
                    if (name == "br") { writer.Break(1); break; }
                    if (CellBlocks.Contains(name)) writer.Space();
                    writer.Break(level);
                    Walk(element, writer, preformatted || name == "pre" || name == "textarea");
                    writer.Break(level);
                    if (CellBlocks.Contains(name)) writer.Space();
                    break;
            }
        }
    }

    private static string CollapseWhitespace(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Accumulates text with pending separators, so that breaks never pile up and text never starts or ends with one.</summary>
    private sealed class TextWriter
    {
        private readonly StringBuilder _builder = new();
        private int _pendingBreak;
        private bool _pendingSpace;

        public void Break(int level)
        {
            if (level > _pendingBreak) _pendingBreak = level;
        }

        public void Space() => _pendingSpace = true;

        public void Text(string data, bool preformatted)
        {
            if (preformatted)
            {
                string[] lines = data.Replace("\r\n", "\n").Split('\n');
                for (int i = 0; i < lines.Length; i++)
                {
                    if (i > 0) Break(1);
                    if (lines[i].Length > 0) Append(lines[i]);
                }
                return;
            }
            int start = 0;
            for (int i = 0; i <= data.Length; i++)
            {
                if (i < data.Length && !char.IsWhiteSpace(data[i])) continue;
                if (i > start) Append(data[start..i]);
                if (i < data.Length) _pendingSpace = true;
                start = i + 1;
            }
        }

        private void Append(string word)
        {
            if (_builder.Length > 0)
            {
                if (_pendingBreak > 0) _builder.Append('\n', _pendingBreak);
                else if (_pendingSpace) _builder.Append(' ');
            }
            _pendingBreak = 0;
            _pendingSpace = false;
            _builder.Append(word);
        }

        public override string ToString() => _builder.ToString();
    }
}
