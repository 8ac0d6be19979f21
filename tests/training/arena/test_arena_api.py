"""Launching an arena through the API and the page: an admin's launch queues the job (run at once by the
test settings' eager Celery), which queues the battles and marks the leaderboard for refreshing; a bad
launch is a 400 keyed by the setting, or an error beside the form's field; the job page links the arena."""
import pytest
from django.urls import reverse

from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts
from training.arena.models import Arena, ArenaBattle, ArenaLeaderboard
from training.policies.pools import EVAL_POOL


@pytest.mark.django_db(transaction=True)
def test_an_admin_launches_an_arena_through_the_api(project, admin_user, client_for, client):
    pools = pinned_prompts(project, held_out=3, training=2)
    imported_answers(pools[EVAL_POOL])
    url = reverse("api-arena", args=[project.slug])

    created = client_for(admin_user).post(url, {"model_names": list(MODELS), "config": {"prompts": 2}}, format="json")
    bad = client_for(admin_user).post(url, {"model_names": list(MODELS), "config": {"prompts": 0, "pool": "some"}}, format="json")

    assert created.status_code == 201, created.content
    arena = Arena.objects.get(pk=created.json()["arena"])
    arena.job.refresh_from_db()
    assert arena.job.status == "succeeded", arena.job.error
    assert ArenaBattle.objects.filter(arena=arena).count() == 2
    assert ArenaLeaderboard.objects.get(project=project).stale
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"prompts", "pool"}
    client.force_login(admin_user)
    job_page = client.get(reverse("jobs:job_detail", args=[arena.job_id])).content.decode()
    assert f"arena #{arena.pk}" in job_page and reverse("training:arena", args=[project.slug]) in job_page


@pytest.mark.django_db
def test_the_page_shows_a_launch_error_beside_its_field(project, admin_user, client):
    client.force_login(admin_user)

    page = client.post(reverse("training:arena", args=[project.slug]), {"model_names": MODELS[0], "pool": "held_out", "prompts": 4,
                                                                        "temperature": 0.7, "max_new_tokens": 16})

    assert page.status_code == 200
    assert "An arena needs 2 to 12 contestants" in page.content.decode()
    assert not Arena.objects.exists()
