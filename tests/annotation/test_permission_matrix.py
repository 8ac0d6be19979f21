"""Every page and endpoint against every role: anonymous, annotator, researcher and admin, each as a
member or an outsider of the project."""
import pytest
from django.test import Client

from tests.factories import ItemFactory, MembershipFactory, ProjectFactory, UserFactory

ANON, ANNOTATOR, OUTSIDER_ANNOTATOR, RESEARCHER, OUTSIDER_RESEARCHER, ADMIN = (
    "anonymous", "annotator", "outsider-annotator", "researcher", "outsider-researcher", "admin",
)
ROLES = [ANON, ANNOTATOR, OUTSIDER_ANNOTATOR, RESEARCHER, OUTSIDER_RESEARCHER, ADMIN]

# (method, url, expected status per role). Pages answer anonymous users with a login redirect (302);
# the API answers 403. Outsiders get 404 so project names do not leak.
MATRIX = [
    ("get", "/", {ANON: 302, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 200, RESEARCHER: 200, OUTSIDER_RESEARCHER: 200, ADMIN: 200}),
    ("get", "/projects/new/", {ANON: 302, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 403, RESEARCHER: 200, OUTSIDER_RESEARCHER: 200, ADMIN: 200}),
    ("get", "/projects/matrix/annotate/", {ANON: 302, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 403}),
    ("get", "/projects/matrix/mine/", {ANON: 302, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 200}),
    ("get", "/projects/matrix/settings/", {ANON: 302, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 200}),
    ("get", "/projects/matrix/dashboard/", {ANON: 302, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 200}),
    ("post", "/projects/matrix/members/", {ANON: 302, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 302, OUTSIDER_RESEARCHER: 404, ADMIN: 302}),
    ("get", "/admin/", {ANON: 302, ANNOTATOR: 302, OUTSIDER_ANNOTATOR: 302, RESEARCHER: 302, OUTSIDER_RESEARCHER: 302, ADMIN: 200}),
    ("get", "/api/projects/", {ANON: 403, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 200, RESEARCHER: 200, OUTSIDER_RESEARCHER: 200, ADMIN: 200}),
    ("post", "/api/projects/", {ANON: 403, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 403, RESEARCHER: 400, OUTSIDER_RESEARCHER: 400, ADMIN: 400}),
    ("get", "/api/projects/matrix/", {ANON: 403, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 200}),
    ("patch", "/api/projects/matrix/", {ANON: 403, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 200}),
    ("get", "/api/projects/matrix/stats/", {ANON: 403, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 200}),
    ("post", "/api/projects/matrix/members/", {ANON: 403, ANNOTATOR: 403, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 400, OUTSIDER_RESEARCHER: 404, ADMIN: 400}),
    ("post", "/api/projects/matrix/next-task/", {ANON: 403, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 404, RESEARCHER: 200, OUTSIDER_RESEARCHER: 404, ADMIN: 403}),
    ("get", "/api/annotations/", {ANON: 403, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 200, RESEARCHER: 200, OUTSIDER_RESEARCHER: 200, ADMIN: 200}),
    ("get", "/api/schema/", {ANON: 403, ANNOTATOR: 200, OUTSIDER_ANNOTATOR: 200, RESEARCHER: 200, OUTSIDER_RESEARCHER: 200, ADMIN: 200}),
]


@pytest.fixture
def users(db):
    project = ProjectFactory(slug="matrix", overlap=3)
    ItemFactory(project=project)
    users = {
        ANNOTATOR: UserFactory(username="m-annotator", role="annotator"),
        OUTSIDER_ANNOTATOR: UserFactory(username="o-annotator", role="annotator"),
        RESEARCHER: UserFactory(username="m-researcher", role="researcher"),
        OUTSIDER_RESEARCHER: UserFactory(username="o-researcher", role="researcher"),
        ADMIN: UserFactory(username="the-admin", role="admin"),
    }
    for role in (ANNOTATOR, RESEARCHER):
        MembershipFactory(project=project, user=users[role])
    users[ADMIN].is_staff = True
    users[ADMIN].save()
    return users


@pytest.mark.parametrize(("method", "url", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX])
def test_permission_matrix(users, method, url, expected):
    for role in ROLES:
        client = Client()
        if role != ANON:
            client.force_login(users[role])
        response = getattr(client, method)(url, data={} if method == "get" else "{}", content_type="application/json")
        assert response.status_code == expected[role], f"{role} {method.upper()} {url}: {response.status_code}"


def test_annotators_never_see_each_others_annotations(project, items, annotator, other_annotator, client_for):
    from annotation import services
    from tests.annotation.test_next_task_assignment import submit

    submit(other_annotator, services.assignment_next(annotator=other_annotator, project=project))
    response = client_for(annotator).get("/api/annotations/")
    assert response.json()["count"] == 0
    theirs = other_annotator.annotations.get()
    assert client_for(annotator).get(f"/api/annotations/{theirs.pk}/").status_code == 404
    assert client_for(annotator).patch(f"/api/annotations/{theirs.pk}/", {"preference_strength": 0}, format="json").status_code == 404
