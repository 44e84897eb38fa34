// A small Markdown renderer for model answers, written here rather than taken from a library because the page has
// no build step and loads nothing from a CDN (the server must work offline and the page's Content-Security-Policy
// allows scripts from the server only).
//
// Safety comes from the order of work: the whole text is HTML-escaped first, so every tag or entity the model
// writes arrives as text; only then are the few Markdown constructs below turned into tags the renderer writes
// itself. Links are kept only for http(s) addresses, so "javascript:" and "data:" URLs stay plain text.

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, c => escapes[c]);
}

// Inline code is cut out before emphasis and links are read, so "*" or "[x](y)" inside backticks stays literal.
// The markers use a character that cannot survive in the input (it is removed from it first).
const marker = "\u0000";

function renderInline(escaped) {
  const spans = [];
  let text = escaped.replace(/`([^`\n]+)`/g, (_, code) => {
    spans.push(`<code>${code}</code>`);
    return `${marker}${spans.length - 1}${marker}`;
  });
  text = text.replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)/g, (_, label, url) => {
    spans.push(`<a href="${url}" rel="noopener noreferrer" target="_blank">${label}</a>`);
    return `${marker}${spans.length - 1}${marker}`;
  });
  text = text
    .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
    .replace(/__([^_\n]+)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\s][^*\n]*?)\*(?!\*)/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_([^_\s][^_\n]*?)_(?![_\w])/g, "$1<em>$2</em>");
  return text.replace(new RegExp(`${marker}(\\d+)${marker}`, "g"), (_, i) => spans[Number(i)]);
}

const fence = /^\s*```\s*([\w+-]*)\s*$/;
const bullet = /^\s*[-*+]\s+(.*)$/;
const numbered = /^\s*\d+[.)]\s+(.*)$/;

/** The HTML for a Markdown text: paragraphs, fenced code blocks, inline code, bold, italic, lists and http(s) links. */
export function renderMarkdown(source) {
  const lines = escapeHtml(source.replaceAll(marker, "")).split(/\r?\n/);
  const html = [];
  let paragraph = [];
  let list = null; // { tag: "ul" | "ol", items: [] }

  const flushParagraph = () => {
    if (paragraph.length > 0) html.push(`<p>${paragraph.map(renderInline).join("<br>")}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) html.push(`<${list.tag}>${list.items.map(item => `<li>${renderInline(item)}</li>`).join("")}</${list.tag}>`);
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const opening = line.match(fence);
    if (opening) {
      flushParagraph();
      flushList();
      const code = [];
      // An unclosed fence (a stream still arriving) runs to the end of the text.
      for (i++; i < lines.length && !fence.test(lines[i]); i++) code.push(lines[i]);
      const language = opening[1] ? ` data-language="${opening[1]}"` : "";
      html.push(`<pre><code${language}>${code.join("\n")}</code></pre>`);
      continue;
    }
    const item = line.match(bullet) ?? line.match(numbered);
    if (item) {
      const tag = line.match(bullet) ? "ul" : "ol";
      flushParagraph();
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push(item[1]);
      continue;
    }
    if (line.trim() === "") {
      flushParagraph();
      flushList();
      continue;
    }
    flushList();
    paragraph.push(line);
  }
  flushParagraph();
  flushList();
  return html.join("");
}
