"""403 and 404 pages: the site's layout and the server's message, and a 403 logged as one line without
a traceback (issue 16, point 7)."""
import io
import logging

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.log import configure_logging

pytestmark = pytest.mark.django_db


def test_403_page_has_the_layout_and_the_message(project, annotator, client):
    client.force_login(annotator)
    response = client.get(reverse("annotation:project_settings", args=[project.slug]))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<header class="topbar">' in html and "Log out" in html
    assert "Only the project&#x27;s researchers and admins may see this page." in html
    assert reverse("annotation:project_list") in html


def test_404_page_has_the_layout_and_the_message(project, annotator, client):
    client.force_login(annotator)
    response = client.get("/projects/no-such-project/settings/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<header class="topbar">' in html and "Not found" in html
    assert "No such project." in html  # the same text for a hidden project (issue 13.12)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is no page at this address." in response.content.decode()


def test_404_of_a_hidden_project_says_no_more_than_a_missing_one(project, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="outsider", role="annotator"))
    html = client.get(reverse("annotation:my_annotations", args=[project.slug])).content.decode()
    assert "No such project." in html


@pytest.fixture
def server_log(settings):
    """What the project's LOGGING writes to the console with DEBUG on (as in the demo): every console
    handler on the way from django.request to the root logger writes into one buffer."""
    settings.DEBUG = True
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
    buffer = io.StringIO()
    for name in ("django.request", "django", ""):
        for handler in logging.getLogger(name).handlers:
            if type(handler) is logging.StreamHandler:
                handler.setStream(buffer)
    yield buffer
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


def test_a_403_logs_one_line_and_no_traceback(project, annotator, client, server_log):
    client.force_login(annotator)
    assert client.get(reverse("annotation:project_settings", args=[project.slug])).status_code == 403
    log = server_log.getvalue()
    assert log.count("Forbidden (Permission denied): /projects/demo/settings/") == 1, log
    assert "Traceback" not in log


def test_a_server_error_still_logs_its_traceback(server_log):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=True, extra={"status_code": 500})
    log = server_log.getvalue()
    assert log.count("Traceback") == 1 and "RuntimeError: boom" in log
