"""Root fixtures: users of each role, a project with members, API clients."""
import os

import pytest
from rest_framework.test import APIClient

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

pytest_plugins = ["tests.ml_fixtures"]

from tests.factories import ItemFactory, MembershipFactory, ProjectFactory, UserFactory  # noqa: E402


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids repeat between tests (rolled-back transactions), so a
    value cached under one test's project and user ids would otherwise leak into the next test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def annotator(db):
    return UserFactory(username="anna", role="annotator")


@pytest.fixture
def other_annotator(db):
    return UserFactory(username="otto", role="annotator")


@pytest.fixture
def researcher(db):
    return UserFactory(username="rita", role="researcher")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="adam", role="admin")


@pytest.fixture
def project(db, annotator, other_annotator, researcher):
    project = ProjectFactory(slug="demo", name="Demo", overlap=2, task_types=["pairwise", "likert"])
    for user in (annotator, other_annotator, researcher):
        MembershipFactory(project=project, user=user)
    return project


@pytest.fixture
def items(project):
    return ItemFactory.create_batch(5, project=project)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An APIClient logged in as the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def token_client_for(db):
    """An APIClient that sends a new API token of the given user, as API clients authenticate."""
    from rest_framework.authtoken.models import Token

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    return make

