"""Dataset versions are immutable whatever is renamed elsewhere (issue 13.1): files live under a key that
never changes and is never reused, no build overwrites or deletes a file another version owns, and every
read — download, training, copy — checks the bytes against the SHA-256 recorded at build time."""
import hashlib
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from datasets_app.exports.services import dataset_version_copy_to, dataset_version_create
from datasets_app.models import DatasetStatus, DatasetVersion
from tests.datasets_app.export_builders import annotate, pair, raters, read_stored
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from training.rewards.selectors import dataset_version_file


def labelled(project, prefix: str):
    users = raters(3)
    for n in range(3):
        item = pair(project, f"{prefix} question {n}?", f"{prefix} good {n}", f"{prefix} bad {n}")
        for user in users:
            annotate(item, user, preference_strength=-2, justification="Response A is better.")
    return project


def build(project, researcher, capture):
    with capture(execute=True):
        version = dataset_version_create(project=project, format="trl-preference", created_by=researcher,
                                         policy={"validation_fraction": 0.0})
    version.refresh_from_db()
    assert version.status == DatasetStatus.READY, version.error
    return version


def stored_digests(version):
    return {entry["path"]: hashlib.sha256(read_stored(version, entry["path"])).hexdigest() for entry in version.files}


def test_renaming_the_project_keeps_its_versions_downloadable(project, researcher, client_for, django_capture_on_commit_callbacks):
    version = build(labelled(project, "A"), researcher, django_capture_on_commit_callbacks)
    zip_name = version.zip_name
    api = client_for(researcher)
    assert api.patch("/api/projects/demo/", {"slug": "renamed"}, format="json").status_code == 200
    download = api.get("/api/projects/renamed/datasets/1/download/")
    assert download.status_code == 200
    assert f'filename="{zip_name}"' in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "jsonl/train.jsonl.gz" in archive.namelist()


def test_a_new_project_with_the_freed_slug_never_touches_the_renamed_projects_files(
    project, researcher, client_for, django_capture_on_commit_callbacks
):
    first = build(labelled(project, "A"), researcher, django_capture_on_commit_callbacks)
    before = stored_digests(first)
    assert before == {entry["path"]: entry["sha256"] for entry in first.files}
    client_for(researcher).patch("/api/projects/demo/", {"slug": "renamed"}, format="json")
    other_researcher = UserFactory(username="olga", role="researcher")
    squatter = ProjectFactory(slug="demo", name="Another project")
    MembershipFactory(project=squatter, user=other_researcher)
    second = build(labelled(squatter, "B"), other_researcher, django_capture_on_commit_callbacks)
    assert second.storage_path != first.storage_path
    first.refresh_from_db()
    assert stored_digests(first) == before


def test_storage_paths_are_unique_and_do_not_name_the_project(project, researcher, django_capture_on_commit_callbacks):
    versions = [build(labelled(project, str(n)) if n == 0 else project, researcher, django_capture_on_commit_callbacks) for n in range(2)]
    paths = [v.storage_path for v in versions]
    assert len(set(paths)) == 2
    assert all(project.slug not in path.split("/") for path in paths)


@pytest.fixture
def tampered(project, researcher, django_capture_on_commit_callbacks):
    version = build(labelled(project, "A"), researcher, django_capture_on_commit_callbacks)
    name = f"{version.storage_path}/jsonl/train.jsonl.gz"
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"poisoned"))
    return version


def test_a_download_of_a_changed_file_is_an_error_not_the_changed_bytes(tampered, researcher, client_for):
    response = client_for(researcher).get("/api/projects/demo/datasets/1/download/", {"file": "jsonl/train.jsonl.gz"})
    assert response.status_code == 500
    assert "checksum" in response.json()["message"] and "jsonl/train.jsonl.gz" in response.json()["message"]


def test_training_refuses_a_changed_file(tampered):
    with pytest.raises(ValueError, match="checksum"):
        dataset_version_file(tampered, "train")


def test_copying_a_changed_file_fails(tampered, tmp_path):
    with pytest.raises(ValueError, match="checksum"):
        dataset_version_copy_to(version=tampered, target=tmp_path)


def test_versions_never_share_a_storage_path(project, researcher, django_capture_on_commit_callbacks):
    build(labelled(project, "A"), researcher, django_capture_on_commit_callbacks)
    with pytest.raises(Exception):  # noqa: B017 - the database refuses, whichever error class it uses
        DatasetVersion.objects.create(project=project, version=99, format="trl-preference",
                                      storage_path=DatasetVersion.objects.get().storage_path)


def test_the_migration_moves_old_slug_paths_to_their_own_key_and_refuses_changed_files(project, researcher, django_capture_on_commit_callbacks):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("datasets_app.migrations.0005_dataset_files_under_their_own_key")
    version = build(labelled(project, "A"), researcher, django_capture_on_commit_callbacks)
    legacy = f"datasets/{project.slug}/v{version.version}"
    for entry in version.files:  # lay the files out as the old code did
        default_storage.save(f"{legacy}/{entry['path']}", ContentFile(read_stored(version, entry["path"])))
    DatasetVersion.objects.filter(pk=version.pk).update(storage_path=legacy)
    migration.move_files(apps, None)
    version.refresh_from_db()
    assert version.storage_path.startswith("datasets/versions/") and version.storage_path != legacy
    assert stored_digests(version) == {entry["path"]: entry["sha256"] for entry in version.files}
    assert not default_storage.exists(f"{legacy}/jsonl/train.jsonl.gz")

    poisoned = f"datasets/{project.slug}/v7"
    for entry in version.files:
        default_storage.save(f"{poisoned}/{entry['path']}", ContentFile(read_stored(version, entry["path"])))
    default_storage.delete(f"{poisoned}/jsonl/train.jsonl.gz")
    default_storage.save(f"{poisoned}/jsonl/train.jsonl.gz", ContentFile(b"poisoned"))
    DatasetVersion.objects.filter(pk=version.pk).update(storage_path=poisoned)
    with pytest.raises(RuntimeError, match="does not match its recorded SHA-256"):
        migration.move_files(apps, None)
    assert DatasetVersion.objects.get(pk=version.pk).storage_path == poisoned
