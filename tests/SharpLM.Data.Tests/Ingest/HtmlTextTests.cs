using SharpLM.Data.Ingest;

namespace SharpLM.Data.Tests.Ingest;

public class HtmlTextTests
{
    [Fact]
    public void Drops_non_content_and_keeps_paragraphs()
    {
        const string html = """
            <!DOCTYPE html>
            <html><head><title> A   Page </title><style>body { color: red }</style><script>var x = "<p>not text</p>";</script></head>
            <body>
              <header><h1>Site name</h1></header>
              <nav><a href="/">Home</a> | <a href="/about">About</a></nav>
              <div role="navigation">Breadcrumbs</div>
              <main>
                <h2>The   heading</h2>
                <p>First   paragraph with <b>bold</b> and
                   <a href="#">a link</a>.</p>
                <p>Second &amp; &lt;last&gt; &eacute;t&eacute;&nbsp;&#8212; done</p>
                <ul><li>one</li><li>two</li></ul>
                Line<br>break
                <pre>  keep
                 spacing</pre>
                <noscript>Enable JavaScript</noscript>
                <template><p>template text</p></template>
                <form><label>Search</label><input name=q></form>
              </main>
              <aside>Related links</aside>
              <footer>Copyright</footer>
              <script>track();</script>
            </body></html>
            """;
        var content = HtmlText.Extract(html);
        Assert.Equal("A Page", content.Title);
        Assert.Equal(
            "The heading\n\n" +
            "First paragraph with bold and a link.\n\n" +
            "Second & <last> été — done\n\n" +
            "one\ntwo\n\n" +
            "Line\nbreak\n\n" +
            "  keep\n     spacing",
            content.Text);
    }

    [Fact]
    public void Table_cells_are_separated_and_rows_are_lines()
    {
        string text = HtmlText.ToText("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table><p>after</p>");
        Assert.Equal("a b\nc d\n\nafter", text);
    }

    [Fact]
    public void Broken_markup_is_read_as_a_browser_would()
    {
        Assert.Equal("unclosed bold and more\n\nnext", HtmlText.ToText("<p>unclosed <b>bold and more<p>next"));
        Assert.Equal("", HtmlText.ToText(""));
        Assert.Equal("just text", HtmlText.ToText("just   text"));
    }

    [Fact]
    public void Deeply_nested_markup_does_not_exhaust_the_stack()
    {
        string html = string.Concat(Enumerable.Repeat("<span>", 50_000)) + "deep" + string.Concat(Enumerable.Repeat("</span>", 50_000));
        Assert.Equal("deep", HtmlText.ToText(html));
    }
}
