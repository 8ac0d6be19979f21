"""Model text and guidelines are Markdown; they are rendered server-side and sanitised with nh3
(ammonia), so no HTML or JavaScript that a model wrote can ever run in an annotator's browser."""
import threading

import markdown
import nh3

_local = threading.local()

ALLOWED_TAGS = {
    "p", "br", "hr", "pre", "code", "blockquote", "em", "strong", "del", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}


def _markdown_without_raw_html() -> markdown.Markdown:
    """Raw HTML in model text is shown as text (a model explaining `<div>` keeps its words)."""
    md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(text: str) -> str:
    """Markdown → HTML with raw HTML escaped, then cleaned by nh3 to an allow-list as a second wall."""
    md = getattr(_local, "markdown", None)
    if md is None:
        md = _local.markdown = _markdown_without_raw_html()
    html = md.reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
