"""Launch settings a run could never use are refused up front, naming the setting: a non-finite float
(JSON's 1e999 parses as inf, which no database column stores: a 500 before), a seed numpy refuses
(the job was queued, then failed on the worker, after training its first ensemble member), and counts
that would hold a GPU worker for days or exhaust its memory (10¹² epochs)."""
import pytest
from django.core.exceptions import ValidationError

from jobs.models import TrainingJob
from training.rewards.config import reward_config_clean


@pytest.mark.parametrize(
    "raw",
    [
        {"learning_rate": float("inf")}, {"weight_decay": float("nan")}, {"uwo_lambda": float("inf")},
        {"max_grad_norm": float("inf")}, {"seed": 2**32}, {"seed": 2**32 - 1, "ensemble_size": 2}, {"split_seed": 2**64},
        {"epochs": 10**12}, {"lora_r": 10**9}, {"eval_batch_size": 10**9}, {"max_length": 10**9},
    ],
)
def test_unusable_settings_are_refused(raw):
    with pytest.raises(ValidationError) as raised:
        reward_config_clean(raw)

    assert set(raised.value.message_dict) & set(raw)


@pytest.mark.django_db
def test_the_jobs_api_answers_400_to_an_infinite_learning_rate(project, admin_user, client_for):
    response = client_for(admin_user).post(
        "/api/projects/demo/jobs/", '{"config": {"objective": "bt", "learning_rate": 1e999}}', content_type="application/json"
    )

    assert response.status_code == 400, response.content[:300]
    assert "learning_rate" in str(response.json())
    assert not TrainingJob.objects.exists()
