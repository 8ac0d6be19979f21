"""A dataset version reference that is not a plain ASCII number (`²`, `v①`, 5,000 digits) is a 400 naming
`dataset_version`, not a server error: `str.isdigit` accepts such text, `int` does not."""
import pytest
from django.core.management import CommandError, call_command

from jobs.models import JobKind, TrainingJob
from tests.training.rewards.test_evaluate_reward_model import tiny_reward_model  # noqa: F401
from tests.training.rewards.test_reward_evaluation_job import version  # noqa: F401

HOSTILE = ["²", "v²", "demo:①", "9" * 5000, "v" + "9" * 5000]


@pytest.mark.django_db
@pytest.mark.parametrize("reference", HOSTILE)
def test_the_evaluation_api_answers_400(tiny_reward_model, version, admin_user, client_for, reference):  # noqa: F811
    url = f"/api/projects/demo/reward-models/{tiny_reward_model.pk}/evaluate/"

    response = client_for(admin_user).post(url, {"dataset_version": reference, "split": "all"}, format="json")

    assert response.status_code == 400, response.content[:300]
    assert "dataset_version" in str(response.json())
    assert not TrainingJob.objects.filter(kind=JobKind.REWARD_EVALUATION).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("reference", HOSTILE)
def test_the_training_api_answers_400(project, admin_user, client_for, reference):
    response = client_for(admin_user).post("/api/projects/demo/jobs/", {"dataset_version": reference, "config": {}}, format="json")

    assert response.status_code == 400, response.content[:300]
    assert "dataset_version" in str(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize("reference", ["²", "9" * 5000])
def test_train_reward_model_names_the_reference(reference):
    with pytest.raises(CommandError, match="No dataset version"):
        call_command("train_reward_model", "--dataset", reference, "--objective", "bt", "--inline")
