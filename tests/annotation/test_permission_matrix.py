"""Every page and endpoint against every role: anonymous, annotator, researcher and admin, each as a
member or an outsider of the project. The second half takes the routes from the URL resolver, so a
new route cannot ship without its access being decided and checked."""
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.annotation.permission_routes import RouteWorld, build_route_world, resolver_routes
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


# ---------------------------------------------------------------- every route, from the resolver
#
# Each route the URL resolver knows is either in PUBLIC (no project or object in its address; checked
# above or in its own tests) or in ACCESS: the least role each of its methods needs. A new route in
# neither fails test_every_route_is_classified; once classified, the tests below fill its address with
# real objects and check that anonymous users are sent to log in, non-members get 404, members with a
# lower role 403 (another annotator's task or annotation: 404), that a project's address never reaches
# another project's object, and that the role named does get through.

ANNOTATOR_ROLE, RESEARCHER_ROLE, ADMIN_ROLE, OWNER = "annotator", "researcher", "admin", "owner"
A, R, AD = ANNOTATOR_ROLE, RESEARCHER_ROLE, ADMIN_ROLE

PUBLIC = {
    "login": "logging in", "logout": "logging out", "api-token": "getting a token",
    "api-schema": "the OpenAPI schema (authenticated, no project data)", "api-docs": "the API docs page",
    "annotation:project_list": "lists only the projects the user may see (MATRIX above)",
    "api-projects": "lists only the projects the user may see; creating one needs the researcher role (MATRIX above)",
    "annotation:project_create": "needs the researcher role, no project yet (MATRIX above)",
    "api-annotations": "only the user's own annotations (test_annotators_never_see_each_others_annotations)",
    "favicon": "a redirect to the static icon",
}

ACCESS: dict[str, dict[str, str]] = {
    # annotation pages and API
    "annotation:project_settings": {"get": R, "post": R},
    "annotation:project_add_member": {"post": R},
    "annotation:project_dashboard": {"get": R},
    "annotation:project_pause_annotator": {"post": R},
    "annotation:annotate": {"get": A},
    "annotation:my_annotations": {"get": A},
    "api-project": {"get": A, "patch": R},
    "api-project-members": {"post": R},
    "api-project-stats": {"get": R},
    "api-annotator-pauses": {"post": R},
    "api-next-task": {"post": A},
    "api-skip-task": {"post": OWNER},
    "api-submit-annotation": {"post": OWNER},
    "api-annotation": {"get": OWNER, "patch": OWNER},
    "api-annotation-task": {"get": OWNER},
    # hindsight
    "hindsight:annotate": {"get": A},
    "hindsight:dashboard": {"get": R},
    "hindsight:simulate": {"get": R, "post": AD},
    "hindsight:import": {"post": R},
    "hindsight:outcomes": {"get": R},
    "api-hindsight-next-task": {"post": A},
    "api-hindsight-scenarios": {"post": R},
    "api-hindsight-simulations": {"get": R, "post": AD},
    "api-hindsight-stats": {"get": R},
    "api-hindsight-pairs": {"get": R},
    "api-hindsight-outcomes": {"get": R},
    "api-hindsight-task": {"get": OWNER},
    "api-hindsight-foresight": {"post": OWNER},
    "api-hindsight-reveal": {"post": OWNER},
    "api-hindsight-submit": {"post": OWNER},
    # imports and dataset versions
    "datasets_app:project_import": {"get": R, "post": R},
    "datasets_app:import_detail": {"get": R},
    "datasets_app:dataset_list": {"get": R, "post": R},
    "datasets_app:dataset_download": {"get": R},
    "datasets_app:dataset_file": {"get": R},
    "api-project-imports": {"get": R, "post": R},
    "api-datasets": {"get": R, "post": R},
    "api-dataset": {"get": R},
    "api-dataset-download": {"get": R},
    "api-dataset-rebuild": {"post": R},
    "datasets_app:dataset_rebuild": {"post": R},
    # label quality: review and adjudication
    "quality:review": {"get": R},
    "quality:adjudicate": {"get": R},
    "api-quality-settings": {"get": R, "patch": R},
    "api-review-queue": {"get": R},
    "api-review-decision": {"post": R},
    "api-adjudication-queue": {"get": R},
    "api-adjudications": {"post": R},
    # training jobs, reward models, online rounds, policies
    "training:job_list": {"get": R},
    "training:job_launch": {"get": AD, "post": AD},
    "jobs:job_detail": {"get": R},
    "jobs:job_cancel": {"post": AD},
    "jobs:job_restart": {"post": AD},
    "training:reward_models": {"get": R},
    "training:reward_model_activate": {"post": AD},
    "training:reward_model_evaluate": {"post": AD},
    "training:uncertainty_scoring": {"post": AD},
    "training:rounds": {"get": R, "post": AD},
    "training:round_detail": {"get": R},
    "training:round_resume": {"post": AD},
    "training:policies": {"get": R},
    "training:policy_bootstrap": {"post": AD},
    "training:policy_register": {"post": AD},
    "api-project-jobs": {"get": R, "post": AD},
    "api-reward-models": {"get": R},
    "api-reward-model-activate": {"post": AD},
    "api-reward-model-evaluate": {"post": AD},
    "api-uncertainty-scoring": {"post": AD},
    "api-job": {"get": R},
    "api-job-cancel": {"post": AD},
    "api-job-restart": {"post": AD},
    "api-online-runs": {"get": R, "post": AD},
    "api-online-round": {"get": R},
    "api-online-round-resume": {"post": AD},
    "api-policies": {"get": R},
    "api-policy-bootstrap": {"post": AD},
    # the arena: the stored leaderboard (researchers), launching an arena (admins)
    "training:arena": {"get": R, "post": AD},
    "api-arena": {"get": R, "post": AD},
    # model judges: the project's judge runs (researchers), launching one (admins)
    "training:judges": {"get": R, "post": AD},
    "api-judges": {"get": R, "post": AD},
}

ROUTES = resolver_routes()
CHECKS = [(name, method) for name, methods in ACCESS.items() for method in methods]
# Members whose role is below the one needed get 403; for someone else's task or annotation, 404.
BELOW = {R: ["owner"], AD: ["owner", "researcher"], OWNER: ["other-annotator", "researcher", "admin"]}
REFUSED = {R: 403, AD: 403, OWNER: 404}
SUFFICIENT = {A: "owner", R: "researcher", AD: "admin", OWNER: "owner"}
BELOW_CHECKS = [(name, method, member) for name, method in CHECKS for member in BELOW.get(ACCESS[name][method], [])]
# Routes naming a project and one of its objects (a job, a version, a response …).
MISSING = {"slug": "no-such-project", "assignment_id": 987654, "annotation_id": 987654, "job_id": 987654}
SCOPED_CHECKS = [(name, method) for name, method in CHECKS if "slug" in ROUTES[name].kwargs and len(ROUTES[name].kwargs) > 1]


def ids(checks: list[tuple]) -> list[str]:
    return [" ".join([check[1], check[0], *check[2:]]) for check in checks]


def test_every_route_is_classified():
    """Guards: a new route shipping without anyone deciding (and testing) who may use it."""
    assert set(ROUTES) - set(ACCESS) - set(PUBLIC) == set(), "classify each new route in ACCESS (or PUBLIC, with why)"
    assert set(ACCESS) | set(PUBLIC) <= set(ROUTES), "ACCESS/PUBLIC name routes that no longer exist"
    assert not set(ACCESS) & set(PUBLIC)
    served = {name: set(ROUTES[name].methods or ACCESS[name]) for name in ACCESS}  # function views: as listed
    assert served == {name: set(methods) for name, methods in ACCESS.items()}, "ACCESS must list every method a view serves"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[RouteWorld]:
    """Built once for all the route checks (half a second each time); every check's own writes roll
    back with its test's transaction, and the world is removed when the module is done."""
    with django_db_blocker.unblock():
        world = build_route_world()
    yield world
    with django_db_blocker.unblock():
        world.delete()


def address(world: RouteWorld, name: str, **override: Any) -> str:
    missing = set(ROUTES[name].kwargs) - set(world.kwargs)
    assert not missing, f"{name}: build a real object for {missing} in permission_routes.build_route_world"
    return reverse(name, kwargs={**{key: world.kwargs[key] for key in ROUTES[name].kwargs}, **override})


def request(user, method: str, url: str) -> HttpResponse:
    client = Client()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data={} if method == "get" else "{}", content_type="application/json")


def status_for(user, method: str, url: str) -> int | str:
    """The status code; for a redirect, where to."""
    response = request(user, method, url)
    return response.status_code if response.status_code != 302 else f"302 to {response.url}"


@pytest.mark.parametrize(("name", "method"), CHECKS, ids=ids(CHECKS))
def test_anonymous_users_are_sent_to_log_in(db, world, name, method):
    """Guards: a route served without authentication (pages redirect to the login page, the API says 403)."""
    expected = {True: 403, False: f"302 to /accounts/login/?next={address(world, name)}"}[ROUTES[name].is_api]
    assert status_for(None, method, address(world, name)) == expected


@pytest.mark.parametrize(("name", "method"), CHECKS, ids=ids(CHECKS))
@pytest.mark.parametrize("outsider", ["outsider-annotator", "outsider-researcher"])
def test_non_members_get_404(db, world, name, method, outsider):
    """Guards: any project- or object-scoped route losing its membership check."""
    assert status_for(world.users[outsider], method, address(world, name)) == 404


@pytest.mark.parametrize(("name", "method"), CHECKS, ids=ids(CHECKS))
def test_a_non_members_404_says_no_more_than_a_missing_ones(db, world, name, method):
    """Guards: a 404 that tells an outsider the project (or job, task …) exists: the same address with
    nothing behind it must answer exactly the same."""
    outsider = world.users["outsider-researcher"]
    missing = {key: MISSING[key] for key in ROUTES[name].kwargs if key in ("slug", "assignment_id", "annotation_id", "job_id")}
    real, absent = request(outsider, method, address(world, name)), request(outsider, method, address(world, name, **missing))
    assert (real.status_code, said(real)) == (absent.status_code, said(absent))


def said(response: HttpResponse) -> bytes:
    """What a 404 tells: the API's whole body; a page's message (the rest of a page, such as the CSRF
    token of its log-out form, differs from one request to the next anyway)."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response.content
    found = re.search(rb'id="error-message"[^>]*>(.*?)<', response.content, re.S)
    assert found, response.content[:2000]
    return found.group(1)


@pytest.mark.parametrize(("name", "method"), SCOPED_CHECKS, ids=ids(SCOPED_CHECKS))
def test_a_projects_address_never_reaches_another_projects_object(db, world, name, method):
    """Guards: an object looked up by id without scoping it to the project in the address (even an
    admin, who may see both projects, gets 404 asking for it under the other project's address)."""
    assert status_for(world.users["admin"], method, address(world, name, slug=world.other.slug)) == 404


@pytest.mark.parametrize(("name", "method", "member"), BELOW_CHECKS, ids=ids(BELOW_CHECKS))
def test_members_below_the_role_needed_are_refused(db, world, name, method, member):
    """Guards: a route checking membership but not the role (403), or a task or annotation that
    answers someone other than its annotator (404)."""
    assert status_for(world.users[member], method, address(world, name)) == REFUSED[ACCESS[name][method]]


@pytest.mark.parametrize(("name", "method"), CHECKS, ids=ids(CHECKS))
def test_the_role_needed_gets_through(db, world, name, method):
    """Guards: the checks above passing vacuously (an id that resolves to nothing answers 404 to everyone)."""
    assert status_for(world.users[SUFFICIENT[ACCESS[name][method]]], method, address(world, name)) not in (403, 404)
