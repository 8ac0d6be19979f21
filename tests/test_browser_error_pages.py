"""403 and 404 pages in Debian's Chromium: the site's layout and navigation, the server's message
(issue 16, point 7)."""
import pytest

from tests.browser_support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_403_and_404_pages_keep_the_layout_and_say_why(page, live_server, annotator, project):
    log_in(page, live_server.url, annotator.username, "/")
    response = page.goto(f"{live_server.url}/projects/{project.slug}/dashboard/")
    assert response.status == 403
    assert page.inner_text("#error-message") == "Only the project's researchers and admins may see this page."
    assert page.is_visible("header.topbar nav >> text=Projects")
    assert page.inner_text(".topbar .who") == annotator.username

    response = page.goto(f"{live_server.url}/projects/no-such-project/annotate/")
    assert response.status == 404
    assert page.inner_text("#error-message") == "No such project."  # the same for a hidden project (issue 13.12)
    page.click("#error-page a.button")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".project-list h2").all_inner_texts() == [project.name]
