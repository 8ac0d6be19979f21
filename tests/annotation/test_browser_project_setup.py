"""A researcher creates a project in Debian's Chromium: the slug follows the name, attributes are rows,
the new project opens on its import page, and the project navigation reaches every project page
(issue 16, point 4)."""
import pytest

from annotation.models import Project
from tests.browser_support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_project_then_walk_its_navigation(page, live_server, researcher):
    log_in(page, live_server.url, researcher.username, "/projects/new/")
    page.fill("#id_name", "Support Replies: Round 2")
    assert page.input_value("#id_slug") == "support-replies-round-2"

    # Rows, not a JSON box: HelpSteer's five by default, plus one added with the button.
    assert page.locator("#attribute-rows tr.attribute-row").count() == 6  # five and an empty one
    assert page.is_hidden("#id_attribute_schema")
    page.click("#attribute-add")
    assert page.locator("#attribute-rows tr.attribute-row").count() == 7
    page.fill("#id_attr-5-name", "safety")
    page.fill("#id_attr-5-description", "Is it harmless?")
    page.fill("#id_attr-5-levels", "0: harmful\n4: harmless")
    page.check("#id_attr-1-DELETE")
    page.click("#project-form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/projects/support-replies-round-2/import/")
    project = Project.objects.get(slug="support-replies-round-2")
    assert project.attribute_names == ["helpfulness", "coherence", "complexity", "verbosity", "safety"]
    assert page.get_attribute(".project-nav a[aria-current=page]", "href") == "/projects/support-replies-round-2/import/"

    expected = ["Annotate", "My annotations", "Import", "Datasets", "Review", "Adjudicate", "Training", "Reward models", "Rounds", "Policies",
                "Arena", "Judges", "Dashboard", "Settings"]
    assert page.locator(".project-nav a").all_inner_texts() == expected
    for label in expected[1:]:
        page.click(f".project-nav a:text-is('{label}')")
        page.wait_for_selector(f".project-nav a[aria-current=page]:text-is('{label}')")
        assert page.locator(".project-nav a").all_inner_texts() == expected

    # A slug typed by hand is left alone when the name changes.
    page.goto(f"{live_server.url}/projects/new/")
    page.fill("#id_slug", "my-slug")
    page.fill("#id_name", "Another project")
    assert page.input_value("#id_slug") == "my-slug"
