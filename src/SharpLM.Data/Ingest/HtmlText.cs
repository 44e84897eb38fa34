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

    /// <summary>
    /// Depth-first walk with an explicit stack: HTML nesting has no depth limit, and a recursive walk over a page of
    /// ten thousand nested elements would overflow the thread's stack.
    /// </summary>
    private static void Walk(INode root, TextWriter writer, bool preformatted)
    {
        var stack = new Stack<(INode? Node, bool Preformatted, int Level, bool Cell)>();
        PushChildren(stack, root, preformatted);
        while (stack.TryPop(out var item))
        {
            if (item.Node is null)
            {
                // Leaving an element: its closing break or cell separator.
                writer.Break(item.Level);
                if (item.Cell) writer.Space();
                continue;
            }
            switch (item.Node)
            {
                case IText text:
                    writer.Text(text.Data, item.Preformatted);
                    break;
                case IElement element:
                    string name = element.LocalName;
                    if (Dropped.Contains(name) || string.Equals(element.GetAttribute("role"), "navigation", StringComparison.OrdinalIgnoreCase)
                        || element.HasAttribute("hidden"))
                        break;
                    if (name == "br") { writer.Break(1); break; }
                    int level = ParagraphBlocks.Contains(name) ? 2 : LineBlocks.Contains(name) ? 1 : 0;
                    bool cell = CellBlocks.Contains(name);
                    if (cell) writer.Space();
                    writer.Break(level);
                    stack.Push((null, false, level, cell));
                    PushChildren(stack, element, item.Preformatted || name == "pre" || name == "textarea");
                    break;
            }
        }
    }

    private static void PushChildren(Stack<(INode? Node, bool Preformatted, int Level, bool Cell)> stack, INode parent, bool preformatted)
    {
        var children = parent.ChildNodes;
        for (int i = children.Length - 1; i >= 0; i--) stack.Push((children[i], preformatted, 0, false));
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
