"""The access helpers themselves (annotation/permissions.py), where the route-by-route matrix does not
reach: superusers, anonymous users, which projects a user sees, the query budget of a request's role and
membership checks, what a 403 says, and a 404 that does not tell which projects exist."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from annotation.permissions import (
    MANAGERS_ONLY,
    can_view_project,
    is_admin,
    is_member,
    is_researcher,
    managed_project,
    project_for_annotation,
    user_roles,
    visible_projects,
)
from jobs.permissions import READ_ONLY_MESSAGE
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_superuser_without_groups_is_an_admin(project, client_for):
    """Guards: user_roles giving superusers no roles (they were refused everything)."""
    root = UserFactory(username="root")
    root.is_superuser = True
    root.save()
    assert user_roles(root) == {"admin", "researcher", "annotator"}
    assert client_for(root).get(reverse("api-project-stats", args=[project.slug])).status_code == 200


def test_anonymous_users_have_no_role_membership_or_project():
    """Guards: the helpers letting an anonymous user through should a view forget to ask for a login."""
    anonymous, project = AnonymousUser(), ProjectFactory(slug="open")
    assert (user_roles(anonymous), is_member(anonymous, project), can_view_project(anonymous, project)) == (set(), False, False)
    assert list(visible_projects(anonymous)) == []


def test_users_see_exactly_the_projects_they_belong_to(annotator, admin_user, client_for):
    """Guards: visible_projects (the project list page and API) showing members nothing, or everything."""
    mine = ProjectFactory(slug="mine", name="Mine")
    ProjectFactory(slug="theirs", name="Theirs")  # another project, which the annotator must not see
    MembershipFactory(project=mine, user=annotator)
    assert list(visible_projects(annotator)) == [mine]
    assert [p["slug"] for p in client_for(annotator).get(reverse("api-projects")).json()["results"]] == ["mine"]
    assert {p.slug for p in visible_projects(admin_user)} == {"mine", "theirs"}


def test_roles_and_membership_are_read_once_per_request(annotator, project, django_assert_num_queries):
    """Guards: user_roles or is_member losing its per-request cache (a query per check, and a page
    makes dozens of checks)."""
    with django_assert_num_queries(2):  # the user's groups, then the membership
        for _ in range(3):
            assert (is_admin(annotator), is_researcher(annotator), is_member(annotator, project)) == (False, False, True)
            assert user_roles(annotator) == {"annotator"}


def test_a_403_says_why(project, annotator, client_for):
    """Guards: require_manager or managed_project dropping the message the caller gave (the API then
    said only "You do not have permission to perform this action.")."""
    api = client_for(annotator)
    stats = api.get(reverse("api-project-stats", args=[project.slug]))
    jobs = api.get(reverse("api-project-jobs", args=[project.slug]))
    assert (stats.status_code, stats.json()["message"]) == (403, MANAGERS_ONLY)
    assert (jobs.status_code, jobs.json()["message"]) == (403, READ_ONLY_MESSAGE)
    with pytest.raises(PermissionDenied, match="^Only the project's researchers and admins may import data.$"):
        managed_project(annotator, project.slug, "Only the project's researchers and admins may import data.")


def test_a_projects_404_is_the_same_whether_it_exists_or_not(researcher, client_for):
    """Guards: project_for_annotation answering a non-member differently from a missing project (the
    API said "No Project matches the given query." for one and "No such project." for the other, so
    anyone could tell which project slugs exist)."""
    ProjectFactory(slug="secret-project")
    api = client_for(researcher)
    hidden, missing = api.get("/api/projects/secret-project/"), api.get("/api/projects/no-such-slug/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"message": "No such project.", "status": 404}
    with pytest.raises(Http404, match="^No such project.$"):
        project_for_annotation(researcher, "secret-project")
