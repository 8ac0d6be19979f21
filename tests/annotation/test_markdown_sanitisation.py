"""Model text is Markdown rendered on the server, and Markdown itself happily writes dangerous HTML
from plain text: `[x](javascript:…)` becomes `<a href="javascript:…">`, `![i](…)` an `<img>`. Raw
`<script>` never gets that far (the Markdown step escapes raw HTML), so these cases are the ones
that prove the nh3 pass runs and keeps its allow-list."""
import pytest
from django.urls import reverse

from annotation.rendering import render_markdown
from tests.factories import ItemFactory, PromptFactory, ResponseFactory

SCRIPT_URLS = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


@pytest.mark.parametrize("text", SCRIPT_URLS)
def test_links_never_keep_a_script_or_data_url(text):
    """Guards: render_markdown returning Markdown's HTML without nh3 (or with its URL schemes widened)."""
    html = render_markdown(text)
    assert "click" in html
    assert "javascript:" not in html.lower() and "vbscript:" not in html and "data:" not in html


def test_images_are_dropped_whatever_their_source():
    """Guards: render_markdown without nh3 (Markdown writes <img src="javascript:…">)."""
    html = render_markdown("![i](javascript:alert(1)) and ![pixel](https://tracker.example/p.png)")
    assert "<img" not in html and "javascript:" not in html and "tracker.example" not in html
    assert "and" in html


def test_safe_links_keep_their_address_and_get_a_no_opener_rel():
    """Guards: the nh3 call losing its link_rel or its http/https/mailto schemes."""
    html = render_markdown('[docs](https://example.org/a?b=1 "The docs") or [mail](mailto:team@example.org) or [old](http://example.org/)')
    assert '<a href="https://example.org/a?b=1" title="The docs" rel="noopener noreferrer nofollow">docs</a>' in html
    assert '<a href="http://example.org/" rel="noopener noreferrer nofollow">old</a>' in html
    assert '<a href="mailto:team@example.org" rel="noopener noreferrer nofollow">mail</a>' in html


@pytest.mark.parametrize("url", ["tel:+15550100", "sms:+15550100", "ftp://files.example/a", "ssh://host.example"])
def test_only_web_and_mail_addresses_become_links(url):
    """Guards: the nh3 call without its url_schemes (nh3's default also lets tel:, sms:, ftp:, ssh:
    … links through, which hand the annotator's click to another program)."""
    html = render_markdown(f"[open]({url})")
    assert "href" not in html and "open" in html


def test_markdown_attributes_outside_the_allow_list_are_removed():
    """Guards: render_markdown without nh3's attribute allow-list (a table's alignment may stay, as the
    `align` attribute the allow-list names; nothing else, no `style`)."""
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nx = 1\n```")
    assert "style=" not in html
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert '<code class="language-python">' in html


def test_a_bullet_list_after_a_numbered_list_stays_a_bullet_list():
    """Guards: a renderer that numbers the bullets after a numbered list (python-markdown without sane_lists)."""
    html = render_markdown("1. First step\n2. Second step\n\n* a note").strip()
    assert html == "<ol>\n<li>First step</li>\n<li>Second step</li>\n</ol>\n<ul>\n<li>a note</li>\n</ul>"


def test_the_task_payload_carries_the_sanitised_html(project, annotator, client_for):
    """Guards: the task API rendering response text by another path than render_markdown."""
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": "[p](javascript:alert(2))"}])
    ItemFactory(
        project=project, prompt=prompt,
        response_1=ResponseFactory(prompt=prompt, text="[a](javascript:alert(3))"),
        response_2=ResponseFactory(prompt=prompt, text="![b](javascript:alert(4))"),
    )
    task = client_for(annotator).post(reverse("api-next-task", args=[project.slug]), {}, format="json")
    assert task.status_code == 200
    payload = task.json()
    html = [m["html"] for m in payload["prompt"]] + [r["html"] for r in payload["responses"]]
    assert len(html) == 3
    assert not any("javascript:" in part or "<img" in part for part in html)
