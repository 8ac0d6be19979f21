"""Reward jobs that read a dataset version (built by the datasets app's real exporter) instead of the
project's live annotations: pairs for BT objectives, HelpSteer2 rows for regression."""
import gzip
import hashlib
import io
import json
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from datasets_app.codecs.helpsteer2 import encode_prompt as helpsteer_prompt
from datasets_app.exports.build import dataset_version_build
from datasets_app.exports.services import dataset_version_create
from datasets_app.models import DatasetStatus, DatasetVersion
from jobs.models import JobKind, JobStatus, TrainingJob
from tests.training.rewards.test_reward_job import add_separable_judgements, fast_config, tiny_base  # noqa: F401
from training.rewards.models import RewardModel
from training.rewards.selectors import messages_from_helpsteer_prompt

TRAINS = pytest.mark.django_db(transaction=True)  # the job commits, then Celery (eager) runs it
# Dataset versions are built by jobs of their own (kind dataset_build); the assertions below are about reward jobs.
REWARD_JOBS = TrainingJob.objects.filter(kind=JobKind.REWARD_MODEL)


def built_version(project, user, format_name: str) -> DatasetVersion:
    version = dataset_version_create(
        project=project, format=format_name, created_by=user, policy={"validation_fraction": 0.25}, enqueue=False
    )
    version = dataset_version_build(version_id=version.pk)
    assert version.status == DatasetStatus.READY, version.error
    return version


@pytest.fixture
def judged_project(project, annotator):
    add_separable_judgements(project, annotator)
    return project


@TRAINS
def test_a_job_trains_on_a_trl_preference_version_and_the_model_records_it(judged_project, admin_user, client_for, tiny_base):  # noqa: F811
    version = built_version(judged_project, admin_user, "trl-preference")
    client = client_for(admin_user)

    response = client.post("/api/projects/demo/jobs/", {"dataset_version": "v1", "config": fast_config(tiny_base)}, format="json")

    assert response.status_code == 201, response.json()
    job = TrainingJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.dataset_version == version
    assert job.summary["data"]["source"] == f"dataset version {version} (trl-preference)"
    assert job.summary["data"]["train_pairs"] + job.summary["data"]["validation_pairs"] == 24
    assert job.summary["metrics"]["val_accuracy"] > 0.5
    model = RewardModel.objects.get(job=job)
    assert model.dataset_version == version and model.data_source["dataset_version"] == version.pk


@TRAINS
def test_regression_trains_on_a_helpsteer2_version(judged_project, admin_user, client_for, tiny_base):  # noqa: F811
    built_version(judged_project, admin_user, "helpsteer2")

    response = client_for(admin_user).post(
        "/api/projects/demo/jobs/",
        {"dataset_version": "demo:1", "config": fast_config(tiny_base, objective="regression", epochs=3)},
        format="json",
    )

    assert response.status_code == 201, response.json()
    job = TrainingJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.summary["data"]["train_attribute_examples"] + job.summary["data"]["validation_attribute_examples"] == 48
    assert "val_mse" in job.summary["metrics"] and "val_mse_helpfulness" in job.summary["metrics"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"dataset_version": "v1", "config": {"objective": "regression"}}, "dataset_version", "regression trains on a helpsteer2 version"),
        ({"dataset_version": "v9"}, "dataset_version", "Project demo has no dataset version v9."),
        ({"dataset_version": "other:1"}, "dataset_version", "is not one of project demo"),
        ({"dataset_version": "v1", "config": {"objective": "regression_then_scaled_bt"}}, "attribute_dataset_version", "also needs a helpsteer2 version"),
        ({"config": {"attribute_dataset_version": 1}}, "attribute_dataset_version", "Only used together with a dataset version."),
    ],
)
def test_a_version_that_does_not_fit_the_objective_is_refused(judged_project, admin_user, client_for, body, field, message):
    built_version(judged_project, admin_user, "trl-preference")

    response = client_for(admin_user).post("/api/projects/demo/jobs/", body, format="json")

    assert response.status_code == 400
    assert message in response.json()["errors"][field][0]
    assert not REWARD_JOBS.exists()


@TRAINS
def test_a_bad_row_in_a_version_fails_the_job_naming_file_line_and_field(judged_project, admin_user, client_for, tiny_base):  # noqa: F811
    rows = [
        {"prompt": [{"role": "user", "content": "Hi?"}], "chosen": [{"role": "assistant", "content": "Hello!"}],
         "rejected": [{"role": "assistant", "content": "No."}], "margin": 2.0},
        {"prompt": [{"role": "user", "content": "Why?"}], "chosen": "Because.", "rejected": "Go away.", "margin": 7.0},
    ]
    storage_path = f"datasets/demo/hand-written-{uuid.uuid4().hex}"
    files = {"jsonl/train.jsonl.gz": "".join(json.dumps(row) + "\n" for row in rows), "jsonl/validation.jsonl.gz": ""}
    entries = []
    for name, text in files.items():
        data = gzip.compress(text.encode())
        assert default_storage.save(f"{storage_path}/{name}", ContentFile(data)) == f"{storage_path}/{name}"
        entries.append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    version = DatasetVersion.objects.create(
        project=judged_project, version=1, format="trl-preference", status=DatasetStatus.READY, storage_path=storage_path,
        files=entries,
    )

    response = client_for(admin_user).post(
        "/api/projects/demo/jobs/", {"dataset_version": str(version.pk), "config": fast_config(tiny_base)}, format="json"
    )

    job = TrainingJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.FAILED
    assert job.error == (
        f"ValueError: {storage_path}/jsonl/train.jsonl.gz line 2: field 'margin': expected 1, 2 or 3, got 7.0"
    )


def test_helpsteer_prompts_turn_back_into_the_messages_they_were_made_from():
    messages = [
        {"role": "user", "content": "Plan a trip.\nTwo days."},
        {"role": "assistant", "content": "Where to?"},
        {"role": "user", "content": "Lisbon."},
    ]
    assert messages_from_helpsteer_prompt(helpsteer_prompt(messages)) == messages
    with_system = [{"role": "system", "content": "Be brief."}, *messages]
    assert messages_from_helpsteer_prompt(helpsteer_prompt(with_system)) == with_system


@TRAINS
def test_the_command_trains_on_a_dataset_version_named_by_project_and_number(judged_project, admin_user, tiny_base):  # noqa: F811
    version = built_version(judged_project, admin_user, "helpsteer2-preference")
    out = io.StringIO()

    call_command(
        "train_reward_model", "--dataset", "demo:1", "--objective", "scaled_bt", "--base-model", str(tiny_base),
        "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--set", "max_length=48", "--inline", stdout=out,
    )

    job = REWARD_JOBS.get()
    assert (job.status, job.dataset_version, job.config["objective"]) == (JobStatus.SUCCEEDED, version, "scaled_bt")
    assert f"data from dataset version {version} (helpsteer2-preference)" in out.getvalue()
    with pytest.raises(CommandError, match="No dataset version with id 999"):
        call_command("train_reward_model", "--dataset", "999", "--objective", "bt")
