"""List pages in Debian's Chromium: filter, page, and wide tables that scroll inside their card instead
of widening the page (issue 16, point 6)."""
import pytest

from annotation.listing import PER_PAGE
from tests.browser_support import log_in
from tests.list_rows import make_jobs, make_reward_models

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_then_page_through_the_jobs(page, live_server, admin_user, project):
    make_jobs(project, admin_user, 3 * PER_PAGE)  # a fifth of them failed
    log_in(page, live_server.url, admin_user.username, f"/projects/{project.slug}/training/")
    assert page.locator("#job-list tbody tr").count() == PER_PAGE
    page.select_option(".list-controls select[name=status]", "failed")
    page.click(".list-controls button[type=submit]")
    page.wait_for_url("**/training/?*status=failed*")
    statuses = page.locator("#job-list .job-status").all_inner_texts()
    assert statuses == ["Failed"] * (3 * PER_PAGE // 5)
    assert page.inner_text(".pagination") == f"1–{3 * PER_PAGE // 5} of {3 * PER_PAGE // 5} matching"

    page.click(".list-controls a:text('Clear')")
    page.click(".pagination a[rel=next]")
    page.wait_for_url("**/training/?page=2")
    assert page.locator("#job-list tbody tr").count() == PER_PAGE


def test_a_wide_table_scrolls_inside_its_card(page, live_server, admin_user, project):
    make_reward_models(project, admin_user, 3)
    page.set_viewport_size({"width": 720, "height": 800})
    log_in(page, live_server.url, admin_user.username, f"/projects/{project.slug}/reward-models/")
    wrapper = page.locator("#reward-models").locator("xpath=..")
    assert wrapper.evaluate("el => el.classList.contains('table-scroll') && el.scrollWidth > el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
