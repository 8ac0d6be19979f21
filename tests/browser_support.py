"""Playwright helpers for the browser tests: Debian's Chromium, headless, and the login form."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pw-verdict-123"  # tests.factories.UserFactory's password
VIEWPORT = {"width": 1280, "height": 800}


def require_chromium() -> None:
    """CI must run the browser tests; a laptop without Chromium skips them with the reason."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    """Log in through the login form with the keyboard and land on `next_path`."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base_url}{next_path}")


def wait_for_task(page: Page, assignment_id: int | None = None) -> int:
    """Wait until the workspace shows a task (the given one, if any); return its assignment id."""
    selector = "#annotate-app[data-state=task]"
    if assignment_id is not None:
        selector += f'[data-assignment-id="{assignment_id}"]'
    page.wait_for_selector(selector)
    return int(page.get_attribute("#annotate-app", "data-assignment-id"))


def wait_for_task_after(page: Page, assignment_id: int) -> int:
    """Wait until the workspace has moved on from `assignment_id` to another task."""
    try:
        page.wait_for_function(
            """(previous) => {
                const app = document.getElementById("annotate-app");
                return app.dataset.state === "task" && app.dataset.assignmentId !== String(previous);
            }""",
            arg=assignment_id,
        )
    except PlaywrightTimeoutError:
        shown = page.get_attribute("#annotate-app", "data-assignment-id")
        alert = page.inner_text("#ws-alert") if page.is_visible("#ws-alert") else "(no alert)"
        pytest.fail(f"the workspace stayed on assignment {shown or 'none'} after {assignment_id}; alert: {alert}")
    return int(page.get_attribute("#annotate-app", "data-assignment-id"))


def press_all(page: Page, keys: str) -> None:
    """Press each character of `keys` in turn (digits and letters)."""
    for key in keys:
        page.keyboard.press(key)
