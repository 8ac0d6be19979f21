"""Reward-model jobs end to end: launched through the API, trained for real (a tiny BERT on CPU, Celery
eager) on a separable toy set of annotations, registered, activated; cancelled; failing honestly."""
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotation.models import Annotation, Item, Project
from jobs.models import Artifact, JobStatus, TrainingJob
from tests.factories import ItemFactory, PromptFactory, ResponseFactory
from training.rewards.models import RewardModel
from training.rewards.services import reward_job_launch

TOPICS = [
    "tea", "rivers", "owls", "bread", "comets", "chess", "glaciers", "violins", "maples", "tides", "lanterns", "coral",
    "deserts", "kites", "bees", "marble", "orbits", "ferns", "canyons", "sailing", "pianos", "volcanoes", "otters", "clocks",
]
GOOD = "Certainly! Here is a clear, correct and friendly explanation of {topic}, with helpful details."
BAD = "No. Stop asking me about {topic}; it is boring and I refuse."
GOOD_SCORES = {"helpfulness": 4, "correctness": 4, "coherence": 4, "complexity": 2, "verbosity": 2}
BAD_SCORES = {"helpfulness": 0, "correctness": 1, "coherence": 2, "complexity": 0, "verbosity": 0}


def add_separable_judgements(project: Project, annotator, count: int = len(TOPICS), with_scores: bool = True) -> list[Item]:
    """One pair per topic, the polite answer always preferred (|strength| 2), on alternating sides."""
    items = []
    for index, topic in enumerate(TOPICS[:count]):
        prompt = PromptFactory(project=project, messages=[{"role": "user", "content": f"Tell me about {topic}."}])
        good = ResponseFactory(prompt=prompt, text=GOOD.format(topic=topic))
        bad = ResponseFactory(prompt=prompt, text=BAD.format(topic=topic))
        first, second = (good, bad) if index % 2 == 0 else (bad, good)
        item = ItemFactory(project=project, prompt=prompt, response_1=first, response_2=second)
        scores = {"1": GOOD_SCORES if first == good else BAD_SCORES, "2": GOOD_SCORES if second == good else BAD_SCORES}
        Annotation.objects.create(
            item=item, annotator=annotator, preference_strength=-2 if first == good else 2,
            attribute_scores=scores if with_scores else {},
        )
        items.append(item)
    return items


def fast_config(base: Path, **overrides) -> dict:
    config = {
        "base_model": str(base), "epochs": 6, "batch_size": 4, "learning_rate": 5e-3, "max_length": 48,
        "logging_steps": 1, "validation_fraction": 0.25, "device": "cpu", "warmup_ratio": 0.0,
        "freeze_word_embeddings": False,  # a tiny model initialised at random learns through its embeddings
    }
    return {**config, **overrides}


@pytest.fixture
def tiny_base(tiny_model_dir: Path) -> Path:
    """The trainer tests' tiny BERT (tests.ml_fixtures.py): 1 layer, hidden 32, MiniLM tokenizer."""
    return tiny_model_dir


@pytest.fixture
def judged_project(project, annotator):
    add_separable_judgements(project, annotator)
    return project


def launch(client, slug: str, config: dict) -> dict:
    """POST a reward job. In a transactional test the commit sends the task, which Celery runs eagerly."""
    response = client.post(f"/api/projects/{slug}/jobs/", {"config": config}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_an_admin_trains_a_reward_model_that_learns_and_is_registered(
    judged_project, admin_user, client_for, tiny_base
):
    client = client_for(admin_user)
    created = launch(client, "demo", fast_config(tiny_base))

    state = client.get(f"/api/jobs/{created['id']}/").json()
    assert state["status"] == JobStatus.SUCCEEDED, state["error"] + state["traceback"]
    assert state["progress_step"] == state["progress_total"] == 6 * 5
    losses = [point["loss"] for point in state["metrics"]["train"]]
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 * 0.5
    assert state["metrics"]["validation"][-1]["val_accuracy"] > 0.5
    assert state["summary"]["metrics"]["val_accuracy"] > 0.5
    assert state["summary"]["data"]["train_pairs"] == 18 and state["summary"]["data"]["validation_pairs"] == 6
    assert Artifact.objects.get(job_id=created["id"]).ready

    model = RewardModel.objects.get(job_id=created["id"])
    assert model.is_active  # the project's first model becomes its active one
    assert (model.objective, model.base_model, model.member_paths) == ("bt", str(tiny_base), [model.path])
    assert (Path(model.path) / "reward_model.json").exists()
    listed = client.get("/api/projects/demo/reward-models/").json()
    assert [row["id"] for row in listed] == [model.pk] and listed[0]["metrics"]["val_accuracy"] > 0.5


@pytest.mark.django_db(transaction=True)
def test_activating_a_model_deactivates_the_previous_one(
    judged_project, admin_user, client_for, tiny_base
):
    client = client_for(admin_user)
    first = launch(client, "demo", fast_config(tiny_base, epochs=1))
    second = launch(client, "demo", fast_config(tiny_base, epochs=1, objective="scaled_bt"))
    first_model = RewardModel.objects.get(job_id=first["id"])
    second_model = RewardModel.objects.get(job_id=second["id"])
    assert (first_model.is_active, second_model.is_active) == (True, False)

    response = client.post(f"/api/projects/demo/reward-models/{second_model.pk}/activate/", {"aggregation": "min"}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] and response.json()["aggregation"] == "min"
    assert list(RewardModel.objects.filter(is_active=True).values_list("pk", flat=True)) == [second_model.pk]
    refused = client.post(f"/api/projects/demo/reward-models/{first_model.pk}/activate/", {"aggregation": "median"}, format="json")
    assert refused.status_code == 400 and RewardModel.objects.get(is_active=True) == second_model


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_is_cancelled_through_the_api_and_never_trains(judged_project, admin_user, client_for, tiny_base):
    client = client_for(admin_user)
    job_id = reward_job_launch(project=judged_project, config=fast_config(tiny_base), launched_by=admin_user, enqueue=False).pk

    response = client.post(f"/api/jobs/{job_id}/cancel/")

    assert response.status_code == 200 and response.json()["status"] == JobStatus.CANCELLED
    from training.rewards.tasks import train_reward_model

    assert train_reward_model.apply(args=[job_id]).get() == JobStatus.CANCELLED
    assert not RewardModel.objects.exists() and not Artifact.objects.exists()
    assert client.post(f"/api/jobs/{job_id}/cancel/").status_code == 409


@pytest.mark.django_db(transaction=True)
def test_a_job_that_cannot_train_fails_with_a_clear_error_and_can_be_restarted(
    judged_project, admin_user, client_for, tiny_base
):
    judged_project.attribute_schema = [{"name": "safety", "min": 0, "max": 4}]
    judged_project.save()
    client = client_for(admin_user)
    created = launch(client, "demo", fast_config(tiny_base, objective="regression"))

    state = client.get(f"/api/jobs/{created['id']}/").json()
    assert state["status"] == JobStatus.FAILED
    assert state["error"] == (
        "ValueError: objective 'regression' regresses helpfulness, correctness, coherence, complexity, verbosity, "
        "but project 'demo' does not rate helpfulness, correctness, coherence, complexity, verbosity; "
        "choose a pairwise objective or helpfulness-only regression"
    )
    assert "Traceback" in state["traceback"]
    assert not RewardModel.objects.exists()

    restarted = client.post(f"/api/jobs/{created['id']}/restart/")
    assert restarted.status_code == 201
    assert restarted.json()["restart_of"] == created["id"] and restarted.json()["config"] == state["config"]
    assert restarted.json()["status"] == JobStatus.FAILED  # ran again at once (eager Celery), same honest error
    assert restarted.json()["error"] == state["error"]


def test_every_trainer_setting_can_be_launched_with_except_the_workers_thread_count():
    import dataclasses

    from training.rewards.config import TRAINER_FIELDS
    from verdict_ml.rewards.train import RewardTrainingConfig

    assert set(TRAINER_FIELDS) == {field.name for field in dataclasses.fields(RewardTrainingConfig)} - {"num_threads", "release_cpu_memory"}


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"objective": "hinge"}, "objective", "objective must be one of"),
        ({"epochs": 0}, "epochs", "epochs must be from 1 to 10000, got 0"),
        ({"learning_rate": "fast"}, "learning_rate", "Expected int or float, got 'fast'."),
        ({"validation_fraction": 0.9}, "validation_fraction", "Must be more than 0 and at most 0.5."),
        ({"aggregation": "median"}, "aggregation", "Must be one of mean, min, uwo."),
        ({"base_model": "/no/such/model"}, "base_model", "No model folder at /no/such/model."),
        ({"epoch": 3}, "epoch", "Unknown setting"),
    ],
)
def test_an_invalid_configuration_is_refused_before_anything_is_queued(
    project, admin_user, client_for, config, field, message
):
    response = client_for(admin_user).post("/api/projects/demo/jobs/", {"config": config}, format="json")

    assert response.status_code == 400
    assert message in response.json()["errors"][field][0]
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_trains_inline_printing_progress_and_registers_the_model(judged_project, tiny_base):
    out = io.StringIO()
    call_command(
        "train_reward_model", "--project", "demo", "--objective", "margin_bt", "--base-model", str(tiny_base),
        "--epochs", "2", "--batch-size", "4", "--learning-rate", "0.005", "--device", "cpu", "--validation-fraction", "0.25",
        "--set", "max_length=48", "--set", "logging_steps=1", "--inline", stdout=out,
    )

    text = out.getvalue()
    job = TrainingJob.objects.get()
    assert f"Job #{job.pk} (margin_bt) running here." in text
    assert "10/10 margin_bt · epoch 2 loss=" in text and "val_accuracy=" in text
    assert f"Job #{job.pk} succeeded" in text and "Registered as reward model" in text
    assert job.status == JobStatus.SUCCEEDED and RewardModel.objects.get(job=job).objective == "margin_bt"


def test_the_command_refuses_a_bad_setting_before_creating_a_job(project):
    with pytest.raises(CommandError, match="epochs: epochs must be from 1 to 10000, got 0"):
        call_command("train_reward_model", "--project", "demo", "--objective", "bt", "--epochs", "0", "--inline")
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("train_reward_model", "--project", "nope", "--objective", "bt")
    assert not TrainingJob.objects.exists()
