"""The embedded default policy: built from the project's own training-pool text by a command or an
admin's API call, registered as a checkpoint, and it writes word-like answers; no download."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.models import Response
from jobs.models import JobStatus
from tests.training.online_dpo.online_dpo_helpers import fill_project
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, prompt_pool
from training.policies.services import default_start_checkpoint
from verdict_ml.policies.toy import toy_prompts, toy_vocabulary, words_of


@pytest.fixture(autouse=True)
def _offline(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.django_db(transaction=True)
def test_the_command_builds_registers_and_the_policy_writes_words(project):
    from verdict_ml.policies.generation import generate

    fill_project(project, prompts=60, items=0)
    out = io.StringIO()

    call_command("bootstrap_policy", project="demo", max_steps=40, vocab_size=600, stdout=out)

    checkpoint = PolicyCheckpoint.objects.get(project=project)
    job = checkpoint.created_by_job
    assert job.status == JobStatus.SUCCEEDED and job.artifacts.get(name="policy").ready
    assert (checkpoint.parent, checkpoint.round, checkpoint.path) == (None, None, job.summary["policy_path"])
    held_out = [r for r in Response.objects.filter(prompt__project=project) if prompt_pool(r.prompt, 0.2) == EVAL_POOL]
    assert held_out and job.summary["examples"] == Response.objects.filter(prompt__project=project).count() - len(held_out)
    assert f"Policy checkpoint #{checkpoint.pk}" in out.getvalue()
    assert default_start_checkpoint(project=project) == checkpoint

    samples = generate(checkpoint.path, toy_prompts(6, seed=3), num_samples=2, max_new_tokens=16, seed=0, device="cpu")
    words = [word for group in samples for sample in group for word in words_of(sample.text)]
    assert len(words) >= 12
    assert sum(word in toy_vocabulary() for word in words) / len(words) > 0.8


@pytest.mark.django_db(transaction=True)
def test_admins_bootstrap_through_the_api_and_bad_input_is_named(project, admin_user, researcher, client_for):
    url = reverse("api-policy-bootstrap", args=["demo"])
    empty = client_for(admin_user).post(url, {}, format="json")
    assert empty.status_code == 400 and "no responses" in str(empty.json()["errors"]["project"])
    fill_project(project, prompts=30, items=0)
    bad = client_for(admin_user).post(url, {"config": {"vocab_size": 10, "epochs": "many"}}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"vocab_size", "epochs"}
    with pytest.raises(CommandError, match="vocab_size"):
        call_command("bootstrap_policy", project="demo", vocab_size=10)

    created = client_for(admin_user).post(url, {"config": {"max_steps": 10, "vocab_size": 400}}, format="json")

    assert created.status_code == 201
    checkpoint = PolicyCheckpoint.objects.get(created_by_job_id=created.json()["job"])
    assert checkpoint.created_by_job.launched_by == admin_user
    listed = client_for(researcher).get(reverse("api-policies", args=["demo"])).json()
    assert [row["id"] for row in listed] == [checkpoint.pk]
