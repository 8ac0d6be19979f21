"""Model text and guidelines are Markdown; they are rendered server-side and sanitised with nh3
(ammonia), so no HTML or JavaScript that a model wrote can ever run in an annotator's browser.

Model text is untrusted (imports, policy samples, simulated outcomes), so rendering must stay
linear in the size of any input. The parser is cmark-gfm (C, the CommonMark reference
implementation's GitHub fork, shipped by `cmarkgfm`), which is built and fuzzed for linear time.
Two things bound the rest:
- text longer than `VERDICT_MARKDOWN_MAX_CHARS` is shown as escaped plain text, not parsed;
- HTML nested deeper than `MAX_NESTING` (e.g. 10,000 `>` make 10,000 nested blockquotes) is shown
  as plain text too, because the sanitiser's HTML parser is quadratic in nesting depth.
"""
import html
import re

import cffi
import nh3
from cmarkgfm import _cmark
from django.conf import settings

ALLOWED_TAGS = {
    "p", "br", "hr", "pre", "code", "blockquote", "em", "strong", "del", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}
# Deeper nesting than any real answer uses; beyond it the text is shown plain (see the module doc).
MAX_NESTING = 32

# cmarkgfm's own wrappers never free the parsed tree or the rendered string (about 16 MB leaked per
# 100 KB rendered with extensions), so the few C functions needed are called directly, from the
# library cmarkgfm ships, with every allocation freed. These are cmark-gfm's public API (cmark-gfm.h).
_ffi = cffi.FFI()
_ffi.cdef("""
typedef struct cmark_node cmark_node;
typedef struct cmark_parser cmark_parser;
typedef struct cmark_syntax_extension cmark_syntax_extension;
typedef struct cmark_llist cmark_llist;
typedef struct cmark_mem {
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
} cmark_mem;
cmark_mem *cmark_get_default_mem_allocator(void);
void cmark_gfm_core_extensions_ensure_registered(void);
cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
cmark_parser *cmark_parser_new(int options);
int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *extension);
void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
cmark_node *cmark_parser_finish(cmark_parser *parser);
cmark_llist *cmark_parser_get_syntax_extensions(cmark_parser *parser);
void cmark_parser_free(cmark_parser *parser);
char *cmark_render_html(cmark_node *root, int options, cmark_llist *extensions);
void cmark_node_free(cmark_node *node);
""")
_cmark_lib = _ffi.dlopen(_cmark.__file__)
_cmark_lib.cmark_gfm_core_extensions_ensure_registered()
_EXTENSIONS = [_cmark_lib.cmark_find_syntax_extension(name) for name in (b"table", b"strikethrough")]
# Safe mode (the default) also blanks javascript:, vbscript:, file: and data: link targets.
_OPTIONS = _cmark.lib.CMARK_OPT_DEFAULT | _cmark.lib.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE

# Raw HTML is shown as text: every `<` that is not backslash-escaped and does not open an autolink
# (`<https://…>`) becomes a character reference before parsing, so cmark never sees a tag (the same
# as markdown-it's `html: false`). In code, where references are literal, it is turned back into `<`.
_LT = "&#x0003C;"
_RAW_HTML_OPENER = re.compile(r"(?<!\\)((?:\\\\)*)<(?![A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>)")
_CODE = re.compile(r"(<code[^>]*>)(.*?)(</code>)", re.DOTALL)
_ESCAPED_LT_IN_CODE = html.escape(_LT)
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)")
_VOID_TAGS = {"br", "hr", "img", "input"}


def _cmark_to_html(markdown: str) -> str:
    source = markdown.encode("utf-8", "replace")
    parser = _cmark_lib.cmark_parser_new(_OPTIONS)
    root = _ffi.NULL
    output = _ffi.NULL
    try:
        for extension in _EXTENSIONS:
            _cmark_lib.cmark_parser_attach_syntax_extension(parser, extension)
        _cmark_lib.cmark_parser_feed(parser, source, len(source))
        root = _cmark_lib.cmark_parser_finish(parser)
        output = _cmark_lib.cmark_render_html(root, _OPTIONS, _cmark_lib.cmark_parser_get_syntax_extensions(parser))
        return _ffi.string(output).decode("utf-8")
    finally:
        if output != _ffi.NULL:
            _cmark_lib.cmark_get_default_mem_allocator().free(output)
        if root != _ffi.NULL:
            _cmark_lib.cmark_node_free(root)
        _cmark_lib.cmark_parser_free(parser)


def _restore_lt_in_code(match: re.Match) -> str:
    return match.group(1) + match.group(2).replace(_ESCAPED_LT_IN_CODE, "&lt;") + match.group(3)


def _nesting(rendered: str) -> int:
    """The deepest element nesting in cmark's output (well-formed: it contains no raw HTML)."""
    depth = deepest = 0
    for match in _TAG.finditer(rendered):
        if match.group(2) in _VOID_TAGS:
            continue
        if match.group(1):
            depth -= 1
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _markdown_html(text: str) -> str | None:
    """CommonMark (with GitHub tables and ~~strikethrough~~) with raw HTML shown as text, or None
    when the text is too large or too deeply nested to render in bounded time."""
    if len(text) > settings.VERDICT_MARKDOWN_MAX_CHARS:
        return None
    rendered = _cmark_to_html(_RAW_HTML_OPENER.sub(r"\1" + _LT, text))
    if _nesting(rendered) > MAX_NESTING:
        return None
    return _CODE.sub(_restore_lt_in_code, rendered)


def _plain_html(text: str) -> str:
    """Escaped text: paragraphs at blank lines, line breaks kept."""
    paragraphs = (html.escape(part.strip("\n")).replace("\n", "<br>\n") for part in text.split("\n\n"))
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph.strip())


def render_markdown(text: str) -> str:
    """Markdown → HTML with raw HTML escaped, then cleaned by nh3 to an allow-list as a second wall.
    Linear time in the length of `text`, whatever it contains."""
    rendered = _markdown_html(text)
    if rendered is None:
        # Escaped text between our own <p> and <br> tags needs no sanitiser (and nh3 takes seconds
        # on a megabyte of character references).
        return _plain_html(text)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
