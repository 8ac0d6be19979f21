"""Password guessing is locked out and the API is throttled (issue 13, point 11)."""
import pytest
from django.core.cache import cache

from tests.factories import UserFactory

PASSWORD = "pw-verdict-123"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def victim(db):
    return UserFactory(username="victim", role="annotator")


def test_sixty_wrong_passwords_lock_the_login_page(victim, client):
    for attempt in range(60):
        client.post("/accounts/login/", {"username": "victim", "password": f"guess-{attempt}"})
    response = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "locked" in response.content.decode().lower()


def test_the_right_password_works_before_the_limit_and_resets_the_count(victim, client, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "victim", "password": f"guess-{attempt}"})
    response = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(victim.pk)


def test_sixty_wrong_passwords_lock_the_token_endpoint(victim, api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": None}}
    for attempt in range(60):
        assert api_client.post("/api/token/", {"username": "victim", "password": f"guess-{attempt}"}).status_code == 400
    response = api_client.post("/api/token/", {"username": "victim", "password": PASSWORD})
    assert response.status_code != 200 and "token" not in response.json()


def test_the_token_endpoint_is_throttled(victim, api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "5/minute"}}
    answers = [api_client.post("/api/token/", {"username": "victim", "password": PASSWORD}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    throttled = api_client.post("/api/token/", {"username": "victim", "password": PASSWORD})
    assert throttled.json()["status"] == 429 and "throttled" in throttled.json()["message"].lower()


def test_the_api_is_throttled_per_user(annotator, client_for, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/minute"}}
    client = client_for(annotator)
    assert [client.get("/api/projects/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_deployed_settings_lock_out_and_throttle():
    from verdict.settings import base

    assert "axes" in base.INSTALLED_APPS and base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    rates = base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert all(rates[scope] for scope in ("anon", "user", "token"))
    assert base.AXES_FAILURE_LIMIT <= 10
