"""Rendering model text: linear time on any input, raw HTML shown as text, dangerous URLs dropped."""
import time

import pytest

from annotation.rendering import render_markdown
from tests.annotation.markdown_inputs import PATHOLOGICAL_INPUTS

MEGABYTE = 1_000_000


@pytest.mark.parametrize("name", list(PATHOLOGICAL_INPUTS))
def test_a_megabyte_of_pathological_markdown_renders_in_well_under_a_second(name):
    text = PATHOLOGICAL_INPUTS[name](MEGABYTE)
    started = time.perf_counter()
    html = render_markdown(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{name!r}: {elapsed:.2f} s"
    assert "<script" not in html


@pytest.mark.parametrize("name", list(PATHOLOGICAL_INPUTS))
def test_pathological_markdown_just_under_the_size_cap_renders_in_well_under_a_second(name, settings):
    text = PATHOLOGICAL_INPUTS[name](settings.VERDICT_MARKDOWN_MAX_CHARS)[: settings.VERDICT_MARKDOWN_MAX_CHARS]
    started = time.perf_counter()
    render_markdown(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text", ["[x](javascript:alert(1))", "![x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](<javascript:alert(1)>)"]
)
def test_javascript_urls_are_dropped(text):
    html = render_markdown(text)
    assert "javascript" not in html.lower()
    assert "<img" not in html


def test_a_raw_html_link_is_text_not_a_link():
    html = render_markdown('<a href="javascript:alert(1)">x</a>')
    assert "<a" not in html and "&lt;a href=" in html


def test_raw_html_is_shown_as_text_and_markdown_around_it_still_renders():
    html = render_markdown('<script>alert(1)</script> **bold**\n\n<div onclick="x()">a <b>tag</b></div>')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html
    assert "&lt;div onclick=" in html and "&lt;b&gt;tag&lt;/b&gt;" in html
    assert "<div" not in html and "<b>" not in html


def test_angle_brackets_in_code_stay_as_written():
    html = render_markdown("Use `a < b` here.\n\n```python\nif x<y and '&#x0003C;':\n    pass\n```\n\n    <indented> & code")
    assert "<code>a &lt; b</code>" in html
    assert '<code class="language-python">if x&lt;y and' in html
    assert "&lt;indented&gt; &amp; code" in html


def test_common_markdown_renders():
    html = render_markdown(
        "# Title\n\nSome *em*, **strong**, ~~gone~~, a [link](https://example.org \"t\") and <https://example.com>.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n---\n"
    )
    for fragment in [
        "<h1>Title</h1>", "<em>em</em>", "<strong>strong</strong>", "<del>gone</del>",
        '<a href="https://example.org" title="t" rel="noopener noreferrer nofollow">link</a>',
        '<a href="https://example.com" rel="noopener noreferrer nofollow">https://example.com</a>',
        "<li>one</li>", "<ol>", "<blockquote>", "<table>", '<th align="left">a</th>', '<td align="right">2</td>', "<hr>",
    ]:
        assert fragment in html, fragment


def test_text_over_the_size_cap_is_shown_as_escaped_plain_text(settings):
    settings.VERDICT_MARKDOWN_MAX_CHARS = 50
    html = render_markdown("**not bold** <b>x</b>\nsecond line\n\nnext paragraph " + "x" * 60)
    assert "<strong>" not in html and "**not bold** &lt;b&gt;x&lt;/b&gt;<br>" in html
    assert "<p>next paragraph" in html


def test_deeply_nested_markdown_is_shown_as_plain_text():
    html = render_markdown("> " * 1000 + "deep")
    assert "<blockquote>" not in html and "&gt; &gt; &gt;" in html and html.endswith("deep</p>")


def test_invalid_unicode_and_nul_do_not_break_rendering():
    assert "a" in render_markdown("a\ud800b\x00c")


def test_rendering_frees_what_the_parser_allocates():
    """cmarkgfm's own wrappers leak the parsed tree and the output (~16 MB per 100 KB rendered)."""
    import psutil

    text = "*a* [b](https://example.org) |c|\n" * 1200
    render_markdown(text)
    process = psutil.Process()
    before = process.memory_info().rss
    for _ in range(60):
        render_markdown(text)
    assert process.memory_info().rss - before < 50_000_000
