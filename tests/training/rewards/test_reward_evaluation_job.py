"""Evaluating a registered reward model as a job from the API and the registry page (issue 17): it scores
a dataset version's split, stores the report on the model like `evaluate_reward_model`, and refuses the
pairs the model was trained on."""
import pytest
from django.urls import reverse

from jobs.models import JobKind, JobStatus, TrainingJob
from tests.training.rewards.test_evaluate_reward_model import tiny_reward_model  # noqa: F401
from tests.training.rewards.test_reward_job import add_separable_judgements
from tests.training.rewards.test_reward_job_dataset import built_version
from training.rewards.models import RewardModel

TRANSACTIONAL = pytest.mark.django_db(transaction=True)  # the launch commits, then Celery (eager) runs it


@pytest.fixture
def version(project, annotator, admin_user):
    add_separable_judgements(project, annotator)
    return built_version(project, admin_user, "trl-preference")


def evaluations(model: RewardModel) -> list[dict]:
    return RewardModel.objects.get(pk=model.pk).metrics.get("evaluations", [])


@TRANSACTIONAL
def test_the_api_queues_an_evaluation_that_stores_its_report_on_the_model(
    tiny_reward_model, version, admin_user, client_for  # noqa: F811
):
    url = f"/api/projects/demo/reward-models/{tiny_reward_model.pk}/evaluate/"

    response = client_for(admin_user).post(url, {"dataset_version": "v1", "split": "all"}, format="json")

    assert response.status_code == 201, response.json()
    job = TrainingJob.objects.get(pk=response.json()["id"])
    assert (job.kind, job.dataset_version, job.config["reward_model"]) == (JobKind.REWARD_EVALUATION, version, tiny_reward_model.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    [report] = evaluations(tiny_reward_model)
    assert report["source"] == f"{version} (all)" and report["n"] == 24
    assert job.summary["evaluation"] == report
    assert job.summary["metrics"]["accuracy"] == report["accuracy"]
    assert report["accuracy_low"] <= report["accuracy"] <= report["accuracy_high"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"dataset_version": "v9"}, "dataset_version", "has no dataset version v9"),
        ({"dataset_version": "v1", "split": "test"}, "split", ""),
        ({"split": "all"}, "dataset_version", ""),
    ],
)
def test_bad_requests_name_the_field_and_queue_nothing(tiny_reward_model, version, admin_user, client_for, body, field, message):  # noqa: F811
    url = f"/api/projects/demo/reward-models/{tiny_reward_model.pk}/evaluate/"

    response = client_for(admin_user).post(url, body, format="json")

    assert response.status_code == 400, response.json()
    assert field in str(response.json()) and message in str(response.json())
    assert not TrainingJob.objects.filter(kind=JobKind.REWARD_EVALUATION).exists()


@pytest.mark.django_db
def test_the_pairs_a_model_was_trained_on_are_refused(tiny_reward_model, version, admin_user, client_for):  # noqa: F811
    RewardModel.objects.filter(pk=tiny_reward_model.pk).update(dataset_version=version)
    url = f"/api/projects/demo/reward-models/{tiny_reward_model.pk}/evaluate/"

    trained_on = client_for(admin_user).post(url, {"dataset_version": "v1", "split": "train"}, format="json")
    held_out = client_for(admin_user).post(url, {"dataset_version": "v1", "split": "validation"}, format="json")

    assert trained_on.status_code == 400 and "was trained on the train split" in str(trained_on.json())
    assert held_out.status_code == 201, held_out.json()


@pytest.mark.django_db
def test_researchers_may_not_launch_and_outsiders_see_no_model(tiny_reward_model, version, researcher, client_for, django_user_model):  # noqa: F811
    url = f"/api/projects/demo/reward-models/{tiny_reward_model.pk}/evaluate/"
    outsider = django_user_model.objects.create_user("outsider", is_staff=True)

    assert client_for(researcher).post(url, {"dataset_version": "v1"}, format="json").status_code == 403
    assert client_for(outsider).post(url, {"dataset_version": "v1"}, format="json").status_code == 404
    assert not TrainingJob.objects.filter(kind=JobKind.REWARD_EVALUATION).exists()


@TRANSACTIONAL
def test_the_registry_page_offers_the_evaluation_and_shows_its_result(tiny_reward_model, version, admin_user, client):  # noqa: F811
    client.force_login(admin_user)
    page = client.get(reverse("training:reward_models", args=["demo"])).content.decode()
    assert 'class="evaluate-form"' in page and f'<option value="{version.pk}">' in page

    response = client.post(
        reverse("training:reward_model_evaluate", args=["demo", tiny_reward_model.pk]),
        {"dataset_version": str(version.pk), "split": "validation"},
    )

    job = TrainingJob.objects.get(kind=JobKind.REWARD_EVALUATION)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, job.error
    page = client.get(reverse("training:reward_models", args=["demo"])).content.decode()
    assert f"eval {version} (validation)" in page
    detail = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert f"reward model #{tiny_reward_model.pk}" in detail and "accuracy_low" in detail
