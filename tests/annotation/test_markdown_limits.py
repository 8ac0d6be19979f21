"""The two limits of render_markdown, at their exact edges: text of VERDICT_MARKDOWN_MAX_CHARS characters
is still Markdown and one more is plain text; nesting of MAX_NESTING elements still renders and one more
level is plain text, however many line breaks or rules (void elements, which nest nothing) come first."""
from annotation.rendering import MAX_NESTING, render_markdown


def test_text_of_exactly_the_size_cap_is_still_markdown(settings):
    """Guards: the size check counting the cap itself as too large (`>=` for `>`)."""
    text = "**bold** and some more words to fill it"
    settings.VERDICT_MARKDOWN_MAX_CHARS = len(text)
    assert render_markdown(text) == "<p><strong>bold</strong> and some more words to fill it</p>\n"
    assert render_markdown(text + "!") == "<p>**bold** and some more words to fill it!</p>"


def _quoted(levels: int, body: str = "deep") -> str:
    """`levels` nested blockquotes around one paragraph: levels + 1 nested elements."""
    return "> " * levels + body


def test_nesting_of_exactly_the_limit_renders_and_one_more_level_is_plain_text():
    """Guards: the nesting check counting from 1, counting two levels per tag, or refusing the limit itself."""
    at_limit = render_markdown(_quoted(MAX_NESTING - 1))
    assert at_limit.count("<blockquote>") == MAX_NESTING - 1 and "<p>deep</p>" in at_limit
    over = render_markdown(_quoted(MAX_NESTING))
    assert "<blockquote>" not in over and over.endswith("deep</p>")


def test_closing_tags_end_a_level_of_nesting():
    """Guards: the nesting count treating closing tags as opening ones (or ignoring them): many shallow
    quotes in a row are no deeper than one."""
    text = "\n\n".join(_quoted(MAX_NESTING - 1, f"part {n}") for n in range(3))
    assert render_markdown(text).count("<blockquote>") == 3 * (MAX_NESTING - 1)


def test_line_breaks_and_rules_neither_count_as_nesting_nor_stop_the_count():
    """Guards: the nesting count treating void elements (<br>, <hr>) as opening a level, or stopping at
    the first one, which would let arbitrarily deep text through to the quadratic sanitiser."""
    breaks = "line  \n" * (2 * MAX_NESTING)
    assert "<br>" in render_markdown(_quoted(MAX_NESTING - 1, breaks + "end"))
    assert "<blockquote>" not in render_markdown("---\n\nline  \nbreak\n\n" + _quoted(MAX_NESTING))


def test_text_over_the_cap_keeps_its_paragraphs_and_spacing_exactly(settings):
    """Guards: the plain-text fallback stripping more than the blank lines between paragraphs (leading
    spaces, or letters at a paragraph's edge) or joining paragraphs with anything but a newline."""
    settings.VERDICT_MARKDOWN_MAX_CHARS = 10
    html = render_markdown("  Xylophone <b>\nsecond line X\n\n\nlast X")
    assert html == "<p>  Xylophone &lt;b&gt;<br>\nsecond line X</p>\n<p>last X</p>"
