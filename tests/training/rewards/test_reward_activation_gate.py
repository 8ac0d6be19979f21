"""Activation gate (issue 17): a reward model becomes, or is made, a project's active model only when its
held-out pairs show it beats chance (enough pairs, lower end of the 95 % Wilson interval above 0.5), unless an
admin forces it; the registry page says why and marks tiny validation sets."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobs.models import Artifact, JobKind, JobStatus, TrainingJob
from training.online_dpo.services import online_run_launch
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardModel
from training.rewards.services import reward_model_activate, reward_model_register


def registered(project, *, metrics: dict, validation_pairs: int, path: str = "/tmp/rm") -> RewardModel:
    """A succeeded reward-model job whose summary carries these validation metrics, registered the normal way."""
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.SUCCEEDED, config={"objective": "bt"},
        summary={"model_dirs": [path], "base_model": "tiny-bert", "metrics": metrics,
                 "data": {"train_pairs": 2, "validation_pairs": validation_pairs}},
    )
    Artifact.objects.create(job=job, name="reward_model", path=path, ready=True)
    return reward_model_register(job=job)


@pytest.mark.django_db
def test_a_model_with_zero_accuracy_on_one_validation_pair_is_not_activated_and_no_round_can_use_it(project, admin_user):
    """The reported case: 3 judged pairs → 2 train / 1 validation, accuracy 0.000, became active and scored a round."""
    model = registered(project, metrics={"val_accuracy": 0.0}, validation_pairs=1)

    assert not model.is_active
    PolicyCheckpoint.objects.create(project=project, name="p", base_model="/tmp/p", path="/tmp/p", merged_path="/tmp/p")
    with pytest.raises(ValidationError) as refused:
        online_run_launch(project=project, rounds=1, config={}, launched_by=admin_user, enqueue=False)
    assert "no active reward model" in str(refused.value)


@pytest.mark.django_db
def test_perfect_accuracy_on_too_few_pairs_or_no_validation_is_not_enough(project):
    assert not registered(project, metrics={"val_accuracy": 1.0}, validation_pairs=3).is_active  # Wilson low 0.44
    assert not registered(project, metrics={}, validation_pairs=0, path="/tmp/rm2").is_active


@pytest.mark.django_db
def test_a_model_above_chance_with_confidence_is_activated(project):
    # 0.64 on 300 pairs: 95 % Wilson interval 0.584–0.692.
    assert registered(project, metrics={"val_accuracy": 0.64}, validation_pairs=300).is_active


@pytest.mark.django_db
def test_an_admin_can_force_activation_and_a_later_evaluation_counts_as_evidence(project):
    model = registered(project, metrics={"val_accuracy": 0.55}, validation_pairs=40)
    with pytest.raises(ValidationError) as refused:
        reward_model_activate(reward_model=model)
    assert "not above chance with confidence" in " ".join(refused.value.messages) and not model.is_active

    assert reward_model_activate(reward_model=model, force=True).is_active

    other = registered(project, metrics={"val_accuracy": 0.5}, validation_pairs=10, path="/tmp/rm3")
    other.metrics["evaluations"] = [{"source": "held-out.jsonl", "n": 400, "accuracy": 0.62}]
    other.save()
    assert reward_model_activate(reward_model=other).is_active


@pytest.mark.django_db
def test_the_api_refuses_with_the_reason_then_accepts_force(project, admin_user, client_for):
    model = registered(project, metrics={"val_accuracy": 0.0}, validation_pairs=1)
    client = client_for(admin_user)
    url = f"/api/projects/{project.slug}/reward-models/{model.pk}/activate/"

    refused = client.post(url, {}, format="json")
    assert refused.status_code == 400 and "fewer than the 5 needed" in str(refused.json())
    listed = client.get(f"/api/projects/{project.slug}/reward-models/").json()
    assert listed[0]["evidence"]["tiny"] and listed[0]["activation_problems"]

    forced = client.post(url, {"force": True}, format="json")
    assert forced.status_code == 200 and forced.json()["is_active"]


@pytest.mark.django_db
def test_the_registry_page_marks_tiny_validation_says_why_and_forces_only_when_confirmed(project, admin_user, client):
    model = registered(project, metrics={"val_accuracy": 0.0}, validation_pairs=1)
    client.force_login(admin_user)
    page = client.get(reverse("training:reward_models", args=[project.slug]))
    text = page.content.decode()
    assert "tiny" in text and "Not activated" in text and "fewer than the 5 needed" in text and "Force active" in text

    action = reverse("training:reward_model_activate", args=[project.slug, model.pk])
    refused = client.post(action, follow=True)
    model.refresh_from_db()
    assert not model.is_active and "not activated" in refused.content.decode()
    client.post(action, {"force": "1"})
    model.refresh_from_db()
    assert model.is_active
