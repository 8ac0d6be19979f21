"""A favicon: linked from every page, and /favicon.ico answered for pages and tools that ask for it
(issue 16, point 13)."""
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from django.templatetags.static import static

ICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"


def test_favicon_ico_redirects_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("favicon.svg")
    assert ElementTree.parse(ICON).getroot().tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.django_db
def test_pages_link_the_icon(client, researcher, project):
    link = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
    assert link in client.get("/accounts/login/").content.decode()
    client.force_login(researcher)
    assert link in client.get(f"/projects/{project.slug}/dashboard/").content.decode()
