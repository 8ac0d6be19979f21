"""The DRF permission classes of annotation/permissions.py: which global roles each lets through (an
admin is also a researcher; an anonymous request is neither)."""
import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from annotation.permissions import IsAdmin, IsResearcher

pytestmark = pytest.mark.django_db


def _allowed(permission_class: type, user: object) -> bool:
    request = APIRequestFactory().get("/")
    request.user = user
    return permission_class().has_permission(request, None)


def test_only_researchers_and_admins_pass_is_researcher(annotator, researcher, admin_user):
    """Guards: IsResearcher letting annotators or anonymous requests through, or refusing admins."""
    allowed = {name: _allowed(IsResearcher, user) for name, user in
               [("annotator", annotator), ("researcher", researcher), ("admin", admin_user), ("anonymous", AnonymousUser())]}
    assert allowed == {"annotator": False, "researcher": True, "admin": True, "anonymous": False}


def test_only_admins_pass_is_admin(annotator, researcher, admin_user):
    """Guards: IsAdmin letting researchers, annotators or anonymous requests through, or refusing admins."""
    allowed = {name: _allowed(IsAdmin, user) for name, user in
               [("annotator", annotator), ("researcher", researcher), ("admin", admin_user), ("anonymous", AnonymousUser())]}
    assert allowed == {"annotator": False, "researcher": False, "admin": True, "anonymous": False}
