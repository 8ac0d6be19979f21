"""Validation metrics from fewer than 30 pairs are marked tiny wherever they are shown: the job page, the
command's report and the registry's metric columns (not only the held-out evidence cell)."""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from jobs.models import JobStatus, TrainingJob
from tests.training.rewards.test_reward_activation_gate import registered
from tests.training.rewards.test_reward_job import add_separable_judgements, tiny_base  # noqa: F401
from training.rewards.models import RewardModel

TINY = '<strong class="tiny">tiny</strong>'


def registry_row(client, project, model: RewardModel) -> str:
    page = client.get(reverse("training:reward_models", args=[project.slug])).content.decode()
    start = page.index(f">{model.name}</a>")
    return page[start : page.index("</tr>", start)]


@pytest.mark.django_db
def test_the_registry_marks_each_pairwise_metric_from_a_tiny_validation_set(project, admin_user, client):
    tiny = registered(project, metrics={"val_accuracy": 1.0, "val_mse": 0.25}, validation_pairs=4, path="/tmp/a")
    RewardModel.objects.filter(pk=tiny.pk).update(metrics={**tiny.metrics, "evaluations": [
        {"source": "held-out.jsonl", "n": 100, "accuracy": 0.7, "accuracy_low": 0.6, "accuracy_high": 0.78, "ece": 0.05,
         "margin_mean": 0.3},
    ]})
    tiny.refresh_from_db()
    ample = registered(project, metrics={"val_accuracy": 0.7}, validation_pairs=100, path="/tmp/b")
    client.force_login(admin_user)

    tiny_row, ample_row = registry_row(client, project, tiny), registry_row(client, project, ample)

    assert f"<td>1.000 {TINY}</td>" in tiny_row and "<td>0.250</td>" in tiny_row  # MSE: attribute examples, not pairs
    assert "<td>0.700</td>" in ample_row and TINY not in ample_row


@pytest.mark.django_db(transaction=True)
def test_the_job_page_and_the_command_say_the_validation_set_is_tiny(project, annotator, admin_user, client, tiny_base):  # noqa: F811
    add_separable_judgements(project, annotator)
    out = io.StringIO()
    call_command(
        "train_reward_model", "--project", project.slug, "--objective", "bt", "--inline", "--base-model", str(tiny_base),
        "--epochs", "1", "--batch-size", "4", "--max-length", "48", "--device", "cpu", stdout=out,
    )
    job = TrainingJob.objects.get()
    assert job.status == JobStatus.SUCCEEDED, job.error
    pairs = job.summary["data"]["validation_pairs"]
    assert 0 < pairs < 30 and job.summary["tiny_validation"]
    assert f"Tiny validation set: the validation metrics come from {pairs} pairs." in out.getvalue()

    client.force_login(admin_user)
    page = " ".join(client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode().split())

    assert f'id="tiny-validation"><strong class="tiny">tiny</strong> validation set: the validation metrics come from {pairs} pairs' in page
