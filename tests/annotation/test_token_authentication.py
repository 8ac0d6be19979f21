"""API token authentication (`annotation.authentication`): the user and their roles in one statement,
with DRF's answers for a bad token or an inactive user."""
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.models import Role
from annotation.permissions import user_roles
from tests.factories import UserFactory


def test_the_roles_come_with_the_user_in_the_token_statement(project, researcher, token_client_for):
    client = token_client_for(researcher)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/projects/{project.slug}/stats/")
    assert response.status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "auth_group" in q["sql"] and "authtoken_token" not in q["sql"]]


def test_roles_from_several_groups_are_all_read(project, db):
    user = UserFactory(username="both", role="annotator")
    user.groups.add(Group.objects.get_or_create(name=Role.RESEARCHER)[0])
    from annotation.authentication import TokenWithRolesAuthentication

    key = Token.objects.create(user=user).key
    authenticated, token = TokenWithRolesAuthentication().authenticate_credentials(key)
    assert authenticated.pk == user.pk and token.key == key
    assert user_roles(authenticated) == {Role.ANNOTATOR, Role.RESEARCHER}


def test_a_user_without_groups_has_no_role_and_a_superuser_has_all(db):
    from annotation.authentication import TokenWithRolesAuthentication

    plain = UserFactory(username="plain")
    plain.groups.clear()
    admin = UserFactory(username="root", is_superuser=True)
    authenticate = TokenWithRolesAuthentication().authenticate_credentials
    assert user_roles(authenticate(Token.objects.create(user=plain).key)[0]) == set()
    assert user_roles(authenticate(Token.objects.create(user=admin).key)[0]) == {Role.ADMIN, Role.RESEARCHER, Role.ANNOTATOR}


def test_a_user_without_a_role_is_refused_annotation(project, items, token_client_for):
    member = UserFactory(username="norole")
    member.groups.clear()
    project.memberships.create(user=member)
    assert token_client_for(member).post(f"/api/projects/{project.slug}/next-task/", {}, format="json").status_code == 403


def test_an_unknown_token_and_an_inactive_user_are_refused(project, annotator, token_client_for):
    # 403, not 401: session authentication comes first in the settings and sends no WWW-Authenticate.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/projects/")
    assert response.status_code == 403 and "Invalid token" in response.content.decode()
    inactive = token_client_for(annotator)
    annotator.is_active = False
    annotator.save()
    response = inactive.get("/api/projects/")
    assert response.status_code == 403 and "inactive" in response.content.decode()
