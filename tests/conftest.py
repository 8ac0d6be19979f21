"""Browser fixtures for the annotation workspace tests (tests/annotation/test_browser_*.py)."""
import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, require_chromium


def is_script_error(message: ConsoleMessage) -> bool:
    """Console errors (script errors, CSP refusals), but not HTTP error statuses: the API answers
    400/409 by design, and the browser asks for a favicon the app does not serve."""
    return message.type == "error" and not message.text.startswith("Failed to load resource:")


class InFlightRequests:
    """Counts the page's requests that have not finished yet."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.count += 1

    def _ended(self, request: Request) -> None:
        self.count -= 1

    def wait_until_idle(self, timeout_ms: int = 10_000) -> None:
        for _ in range(timeout_ms // 50):
            if self.count <= 0:
                return
            self.page.wait_for_timeout(50)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    require_chromium()
    # Playwright's sync API keeps an event loop running in this thread, which trips Django's
    # async-unsafe guard for the ORM calls the tests make; restored when the module is done.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium: Browser, live_server, transactional_db) -> Iterator[Page]:
    """A fresh browser context per test; fails the test on any uncaught script error."""
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.on("console", lambda message: script_errors.append(message.text) if is_script_error(message) else None)
    in_flight = InFlightRequests(page)
    yield page
    # The live server shares the test database: let it answer the last request (a prefetch, often)
    # before the database is flushed.
    in_flight.wait_until_idle()
    context.close()
    assert script_errors == [], f"the page reported script errors: {script_errors}"
