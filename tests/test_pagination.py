"""Every paginated list caps `limit` (issue 13, point 9): an absurd value is a page, not a 500."""
import pytest

from annotation.models import Project

HUGE = "9223372036854775808"


@pytest.fixture
def lists(project):
    return ["/api/projects/", "/api/annotations/", f"/api/projects/{project.slug}/imports/"]


@pytest.mark.parametrize("query", [f"?limit={HUGE}", f"?limit={HUGE}&offset=1", f"?offset={HUGE}", f"?limit=5&offset={HUGE}"])
def test_absurd_limits_and_offsets_are_capped(lists, researcher, client_for, query):
    client = client_for(researcher)
    for url in lists:
        response = client.get(url + query)
        assert response.status_code == 200, (url, response.status_code)
        assert {"count", "next", "previous", "results"} <= set(response.json())


def test_limit_is_capped_at_a_thousand(admin_user, client_for):
    Project.objects.bulk_create(Project(name=f"P{n}", slug=f"p{n}") for n in range(1005))
    body = client_for(admin_user).get(f"/api/projects/?limit={HUGE}").json()
    assert (body["count"], len(body["results"])) == (1005, 1000)
    assert "limit=1000" in body["next"]
