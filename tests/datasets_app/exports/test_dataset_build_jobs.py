"""Dataset builds run on the job runtime (issue 12; issue 13 point 3): a build is a `dataset_build` job
with a heartbeat; a build whose worker died is failed within a reaper + reconcile cycle with its stored
files and scratch folder removed; a failed version can be rebuilt (from the datasets page, the API or
the generic job restart) and then becomes ready; a ready version is never rebuilt."""
import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from datasets_app.exports.build import scratch_prefix
from datasets_app.exports.services import dataset_version_create
from datasets_app.models import DatasetVersion
from jobs import services as job_services
from jobs.models import JobKind, JobStatus, TrainingJob
from tests.datasets_app.exports.test_export_interfaces import stored_files


@pytest.fixture
def scratch_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-scratch")
    (tmp_path / "upload-scratch").mkdir()
    return tmp_path / "upload-scratch"


def dataset_builds_reconcile():
    # Imported when called, so that each test fails on its own assertion where the service is missing.
    from datasets_app.exports.build import dataset_builds_reconcile as reconcile

    return reconcile()


def full_disk(table):
    raise OSError("No space left on device")


def page_for(user):
    client = Client()
    client.force_login(user)
    return client


def built(project, user, capture, **fields):
    with capture(execute=True):
        version = dataset_version_create(project=project, format="individual", created_by=user, **fields)
    version.refresh_from_db()
    return version


def test_a_build_runs_as_a_dataset_build_job_and_stores_every_file_with_its_checksum(
    labelled, researcher, scratch_dir, django_capture_on_commit_callbacks
):
    version = built(labelled, researcher, django_capture_on_commit_callbacks)

    job = version.build_job
    assert (job.kind, job.status, job.config, job.launched_by) == (JobKind.DATASET_BUILD, JobStatus.SUCCEEDED, {"dataset_version": version.pk}, researcher)
    assert job.heartbeat_at is not None and job.progress_step == job.progress_total > 0
    assert (version.status, version.progress) == ("ready", 1.0)
    for entry in version.files:
        content = default_storage.open(f"{version.storage_path}/{entry['path']}").read()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (entry["size"], entry["sha256"])
    assert list(scratch_dir.iterdir()) == []


def test_a_build_whose_worker_died_is_failed_with_its_stored_files_and_scratch_folder_removed(
    labelled, researcher, scratch_dir, settings
):
    version = dataset_version_create(project=labelled, format="individual", created_by=researcher, enqueue=False)
    job = version.build_job
    # What a worker killed mid-build leaves: a running job whose heartbeat stopped, a running version,
    # some of its files stored and its scratch folder on disk.
    stale = timezone.now() - timedelta(seconds=settings.VERDICT_JOB_STALE_SECONDS + 5)
    TrainingJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=stale, heartbeat_at=stale)
    DatasetVersion.objects.filter(pk=version.pk).update(status="running", progress=0.5)
    default_storage.save(f"{version.storage_path}/README.md", ContentFile(b"half a dataset"))
    scratch = scratch_dir / f"{scratch_prefix(version)}k1ll3d"
    (scratch / "dataset").mkdir(parents=True)
    (scratch / "dataset" / "part.jsonl").write_text("{}\n")
    other = scratch_dir / "verdict-export-0123456789abcdef0123456789abcdef-other"  # another version's folder stays
    other.mkdir()
    page = page_for(researcher)
    assert b'http-equiv="refresh"' in page.get("/projects/demo/datasets/").content

    assert job_services.jobs_reap_stale() == [job.pk]
    assert dataset_builds_reconcile() == [version.pk]

    version.refresh_from_db()
    assert version.status == "failed" and "no heartbeat" in version.error
    assert stored_files(version.storage_path) == []
    assert sorted(p.name for p in scratch_dir.iterdir()) == [other.name]
    listing = page.get("/projects/demo/datasets/").content.decode()
    assert 'http-equiv="refresh"' not in listing  # the page stops refreshing
    assert f"/training/jobs/{job.pk}/" in listing and f"/projects/demo/datasets/{version.version}/rebuild/" in listing
    assert dataset_builds_reconcile() == []


def test_the_reconciler_reaps_a_stale_build_job_itself(labelled, researcher, scratch_dir, settings):
    # It runs every 5 s: the version fails 40 s + 5 s after the last heartbeat, not 40 s + 15 s + 5 s.
    version = dataset_version_create(project=labelled, format="individual", created_by=researcher, enqueue=False)
    stale = timezone.now() - timedelta(seconds=settings.VERDICT_JOB_STALE_SECONDS + 1)
    TrainingJob.objects.filter(pk=version.build_job_id).update(status=JobStatus.RUNNING, started_at=stale, heartbeat_at=stale)
    DatasetVersion.objects.filter(pk=version.pk).update(status="running")

    assert dataset_builds_reconcile() == [version.pk]
    version.refresh_from_db()
    assert (version.status, version.build_job.status) == ("failed", JobStatus.FAILED)


def test_a_queued_build_whose_job_was_cancelled_is_failed(labelled, researcher, scratch_dir):
    version = dataset_version_create(project=labelled, format="individual", created_by=researcher, enqueue=False)
    job_services.job_cancel(job=version.build_job)

    assert dataset_builds_reconcile() == [version.pk]
    version.refresh_from_db()
    assert version.status == "failed" and "cancelled" in version.error


def test_a_failing_build_fails_its_job_with_the_error_and_leaves_no_scratch(
    labelled, researcher, scratch_dir, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("datasets_app.exports.builders.writers.json_lines", full_disk)
    version = built(labelled, researcher, django_capture_on_commit_callbacks)

    assert (version.status, version.error) == ("failed", "OSError: No space left on device")
    assert (version.build_job.status, version.build_job.error) == (JobStatus.FAILED, "OSError: No space left on device")
    assert stored_files(version.storage_path) == []
    assert list(scratch_dir.iterdir()) == []
    assert dataset_builds_reconcile() == []


def test_a_failed_version_is_rebuilt_from_the_page_and_the_api_and_becomes_ready(
    labelled, researcher, client_for, scratch_dir, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patched:
        patched.setattr("datasets_app.exports.builders.writers.json_lines", full_disk)
        version = built(labelled, researcher, django_capture_on_commit_callbacks)
        first_job = version.build_job
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(researcher).post(f"/api/projects/demo/datasets/{version.version}/rebuild/")
        assert response.status_code == 201, response.json()
        version.refresh_from_db()
        assert version.status == "failed" and version.build_job.restart_of == first_job

    with django_capture_on_commit_callbacks(execute=True):
        response = page_for(researcher).post(f"/projects/demo/datasets/{version.version}/rebuild/")
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.status, version.error, version.build_job.status) == ("ready", "", JobStatus.SUCCEEDED)
    assert version.row_counts == {"train": 12, "validation": 0}
    assert TrainingJob.objects.filter(kind=JobKind.DATASET_BUILD).count() == 3


def test_the_generic_job_restart_rebuilds_a_failed_version(
    labelled, researcher, admin_user, scratch_dir, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patched:
        patched.setattr("datasets_app.exports.builders.writers.json_lines", full_disk)
        version = built(labelled, researcher, django_capture_on_commit_callbacks)
    failed_job = version.build_job

    with django_capture_on_commit_callbacks(execute=True):
        restarted = job_services.job_restart(job=failed_job, launched_by=admin_user)

    version.refresh_from_db()
    restarted.refresh_from_db()
    assert (version.status, version.build_job, restarted.status) == ("ready", restarted, JobStatus.SUCCEEDED)


def test_a_ready_version_is_never_rebuilt(labelled, researcher, admin_user, client_for, scratch_dir, django_capture_on_commit_callbacks):
    version = built(labelled, researcher, django_capture_on_commit_callbacks)
    files, finished_at = version.files, version.finished_at

    response = client_for(researcher).post(f"/api/projects/demo/datasets/{version.version}/rebuild/")
    assert (response.status_code, response.json()["message"]) == (409, f"Only a failed version can be rebuilt; v{version.version} is ready.")
    with django_capture_on_commit_callbacks(execute=True):
        stray = job_services.job_restart(job=version.build_job, launched_by=admin_user)
    stray.refresh_from_db()
    version.refresh_from_db()
    assert stray.status == JobStatus.FAILED and "is ready; a ready version is never rebuilt" in stray.error
    assert (version.status, version.files, version.finished_at, version.build_job) == ("ready", files, finished_at, stray.restart_of)


def test_dataset_build_jobs_run_on_the_default_queue(settings):
    from celery import current_app

    from jobs.models import JOB_TASKS

    assert JOB_TASKS[JobKind.DATASET_BUILD] == "datasets_app.dataset_build"
    assert current_app.amqp.router.route({}, "datasets_app.dataset_build")["queue"].name == "default"
    assert current_app.amqp.router.route({}, "datasets_app.reconcile_dataset_builds")["queue"].name == "default"
    assert current_app.amqp.router.route({}, "training.reward_model")["queue"].name == "gpu"
    assert settings.CELERY_BEAT_SCHEDULE["reconcile-dataset-builds"]["task"] == "datasets_app.reconcile_dataset_builds"


def test_a_build_cancelled_while_running_stops_and_its_version_fails_with_no_files(labelled, researcher, scratch_dir):
    from datasets_app.exports.build import dataset_version_build

    version = dataset_version_create(project=labelled, format="individual", created_by=researcher, enqueue=False)
    TrainingJob.objects.filter(pk=version.build_job_id).update(cancel_requested=True)  # as job_cancel does once it runs

    version = dataset_version_build(version_id=version.pk)

    assert (version.status, version.error, version.build_job.status) == ("failed", "The build was cancelled.", JobStatus.CANCELLED)
    assert stored_files(version.storage_path) == []
    assert list(scratch_dir.iterdir()) == []


def test_the_build_job_page_links_back_to_the_datasets_page(labelled, researcher, scratch_dir, django_capture_on_commit_callbacks):
    version = built(labelled, researcher, django_capture_on_commit_callbacks)

    page = page_for(researcher).get(f"/training/jobs/{version.build_job_id}/")

    assert page.status_code == 200
    assert f"builds dataset version id {version.pk}" in page.content.decode() and "/projects/demo/datasets/" in page.content.decode()
