"""Annotators never learn who wrote a battle's responses: no model name, checkpoint or arena in the
next-task payload, the workspace page, their annotations (list, detail, reopened task) or the
"My annotations" page; the leaderboard and its API are refused to them."""
import json

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts
from tests.training.online_dpo.online_dpo_helpers import register_policy
from training.arena.job_body import arena_execute
from training.arena.models import ArenaBattle
from training.arena.services import arena_launch, checkpoint_label
from training.policies.pools import EVAL_POOL

SECRETS = (*MODELS, "/checkpoints/", "step-9000", "secret")


def _blind(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} reaches the annotator"


@pytest.mark.django_db
def test_nothing_an_annotator_receives_names_a_battles_models(client, client_for):
    annotator = UserFactory(username="blind-voter", role="annotator")
    admin = UserFactory(username="blind-admin", role="admin")
    project = ProjectFactory(slug="blind", overlap=1, task_types=["pairwise"], justification_min_strength=4)
    MembershipFactory(project=project, user=annotator)
    pools = pinned_prompts(project, held_out=2, training=0)
    imported_answers(pools[EVAL_POOL])
    secret_checkpoint = register_policy(project, "/checkpoints/secret-policy")
    arena = arena_launch(project=project, checkpoint_ids=[], model_names=list(MODELS), config={}, launched_by=admin, enqueue=False)
    arena_execute(arena.job_id, task_id="test")
    assert ArenaBattle.objects.filter(arena=arena).count() == 2
    api = client_for(annotator)
    client.force_login(annotator)

    task = api.post(reverse("api-next-task", args=[project.slug]), {}, format="json")
    assert task.status_code == 200
    _blind(json.dumps(task.json()))
    assert checkpoint_label(secret_checkpoint) not in json.dumps(task.json())
    _blind(client.get(reverse("annotation:annotate", args=[project.slug])).content.decode())

    submitted = api.post(
        reverse("api-submit-annotation", args=[task.json()["assignment_id"]]),
        {"client_id": "7b0c9c8e-2f4a-4c43-8f55-0b8d2b3c9d11", "preference_strength": -1}, format="json",
    )
    assert submitted.status_code == 201
    annotation_id = submitted.json()["id"]
    for response in (
        submitted,
        api.get(reverse("api-annotations")),
        api.get(reverse("api-annotation", args=[annotation_id])),
        api.get(reverse("api-annotation-task", args=[annotation_id])),
        api.post(reverse("api-next-task", args=[project.slug]), {}, format="json"),
    ):
        assert response.status_code == 200 or response.status_code == 201
        _blind(response.content.decode())
    _blind(client.get(reverse("annotation:my_annotations", args=[project.slug])).content.decode())
    assert client.get(reverse("training:arena", args=[project.slug])).status_code == 403
    assert api.get(reverse("api-arena", args=[project.slug])).status_code == 403
