"""`project_for_annotation` reads the project and the user's membership in one statement; what it
leaves out of the membership still loads when read."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation.models import Membership
from annotation.permissions import project_for_annotation, project_membership, user_roles


def test_project_and_membership_in_one_statement(project, annotator):
    user_roles(annotator)  # read once per request (by the token's statement on the API)
    with CaptureQueriesContext(connection) as queries:
        loaded = project_for_annotation(annotator, project.slug)
        membership = project_membership(annotator, loaded)
    assert len(queries.captured_queries) == 1
    assert membership.pk == Membership.objects.get(project=project, user=annotator).pk
    assert membership.paused is False and membership.project_id == project.pk and membership.user_id == annotator.pk


def test_the_pause_flag_and_the_fields_left_out(project, annotator):
    paused_at = timezone.now()
    Membership.objects.filter(project=project, user=annotator).update(paused=True, paused_at=paused_at)
    membership = project_membership(annotator, project_for_annotation(annotator, project.slug))
    assert membership.paused is True
    assert membership.paused_at == paused_at  # read when asked for


def test_an_admin_who_is_not_a_member_sees_the_project_without_a_membership(project, db):
    from tests.factories import UserFactory

    admin = UserFactory(username="boss", is_superuser=True)
    loaded = project_for_annotation(admin, project.slug)
    assert loaded.pk == project.pk and project_membership(admin, loaded) is None
