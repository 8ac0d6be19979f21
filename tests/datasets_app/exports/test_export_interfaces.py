"""Creating, listing and downloading dataset versions from the API, the pages and the command; who may;
what an empty or failing export leaves behind."""
import io
import threading
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.test import Client

from datasets_app.exports.build import dataset_version_build
from datasets_app.exports.services import dataset_version_create
from datasets_app.exports.tasks import build_dataset_version
from datasets_app.models import DatasetVersion
from tests.datasets_app.export_builders import annotate, pair, raters, read_jsonl
from tests.factories import ProjectFactory, UserFactory


class FailingStorage(FileSystemStorage):
    """Stores files until the first Parquet file, then fails as a full disk or lost bucket would."""

    def _save(self, name, content):
        if "/parquet/" in name:
            raise OSError("No space left on device")
        return super()._save(name, content)


def web_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_researcher_creates_lists_and_downloads_through_the_api(labelled, researcher, client_for, django_capture_on_commit_callbacks):
    api = client_for(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/projects/demo/datasets/", {"format": "trl-preference", "policy": {"validation_fraction": 0.0}}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["version"], created.json()["status"]) == (1, "queued")
    detail = api.get("/api/projects/demo/datasets/1/").json()
    assert (detail["status"], detail["progress"], detail["row_counts"], detail["created_by"]) == ("ready", 1.0, {"train": 4, "validation": 0}, "rita")
    assert all(len(entry["sha256"]) == 64 for entry in detail["files"])
    assert [v["version"] for v in api.get("/api/projects/demo/datasets/").json()] == [1]
    download = api.get("/api/projects/demo/datasets/1/download/")
    assert download.status_code == 200
    assert 'filename="demo-v1-trl-preference.zip"' in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert {"README.md", "jsonl/train.jsonl.gz", "parquet/train.parquet", "hf/dataset_dict.json"} <= set(archive.namelist())
    one = api.get("/api/projects/demo/datasets/1/download/", {"file": "jsonl/train.jsonl.gz"})
    assert b"".join(one.streaming_content) == archive.read("jsonl/train.jsonl.gz")
    assert api.get("/api/projects/demo/datasets/1/download/", {"file": "../../etc/passwd"}).status_code == 404


def test_api_rejects_bad_definitions(labelled, researcher, client_for):
    api = client_for(researcher)
    bad_policy = api.post("/api/projects/demo/datasets/", {"format": "individual", "policy": {"max_sprad": 1}}, format="json")
    assert (bad_policy.status_code, bad_policy.json()["message"]) == (400, "policy: unknown option(s): max_sprad")
    bad_filter = api.post("/api/projects/demo/datasets/", {"format": "individual", "filters": {"date_from": "yesterday"}}, format="json")
    assert bad_filter.status_code == 400 and "date_from" in bad_filter.json()["message"]
    assert api.post("/api/projects/demo/datasets/", {"format": "csv"}, format="json").status_code == 400
    assert DatasetVersion.objects.count() == 0


def test_helpsteer2_needs_the_five_attributes(researcher, client_for):
    project = ProjectFactory(slug="custom", attribute_schema=[{"name": "safety", "min": 0, "max": 4}])
    project.memberships.create(user=researcher)
    response = client_for(researcher).post("/api/projects/custom/datasets/", {"format": "helpsteer2"}, format="json")
    assert response.status_code == 400
    assert "lacks helpfulness, correctness, coherence, complexity, verbosity" in response.json()["message"]


def test_annotators_get_403_and_non_members_404(labelled, annotator, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dataset_version_create(project=labelled, format="individual", created_by=None)
    outsider = UserFactory(username="olga", role="researcher")
    for user, expected in ((annotator, 403), (outsider, 404)):
        api = client_for(user)
        assert api.get("/api/projects/demo/datasets/").status_code == expected
        assert api.post("/api/projects/demo/datasets/", {"format": "individual"}, format="json").status_code == expected
        assert api.get("/api/projects/demo/datasets/1/").status_code == expected
        assert api.get("/api/projects/demo/datasets/1/download/").status_code == expected
        page = web_client(user)
        assert page.get("/projects/demo/datasets/").status_code == expected
        assert page.get("/projects/demo/datasets/1/download/").status_code == expected
    assert DatasetVersion.objects.count() == 1


def test_admin_non_member_may_export(labelled, admin_user, client_for):
    assert client_for(admin_user).get("/api/projects/demo/datasets/").status_code == 200


def test_page_form_creates_a_version_and_lists_it(labelled, researcher, django_capture_on_commit_callbacks):
    page = web_client(researcher)
    form = page.get("/projects/demo/datasets/")
    assert form.status_code == 200 and b'id="dataset-version-form"' in form.content
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/projects/demo/datasets/", {
            "format": "helpsteer2-preference", "containers": ["jsonl"], "validation_fraction": "0", "max_spread": "2",
            "drop_ties": "on", "neither_acceptable": "exclude", "trl_style": "conversational", "include_imported": "on",
            "rounds": "", "annotators": "", "model_names": "",
        })
    assert response.status_code == 302
    version = DatasetVersion.objects.get()
    assert (version.status, version.policy["containers"], version.filters) == ("ready", ["jsonl"], {"include_imported": True})
    assert {entry["path"] for entry in version.files} == {"README.md", "jsonl/preference.jsonl.gz", version.zip_name}
    listing = page.get("/projects/demo/datasets/").content.decode()
    assert "/projects/demo/datasets/1/download/" in listing and "/projects/demo/datasets/1/files/jsonl/preference.jsonl.gz" in listing
    assert page.get("/projects/demo/datasets/1/files/jsonl/preference.jsonl.gz").status_code == 200
    bad = page.post("/projects/demo/datasets/", {"format": "individual", "containers": ["jsonl"], "validation_fraction": "0",
                                                  "max_spread": "2", "neither_acceptable": "exclude", "trl_style": "text",
                                                  "rounds": "one, two"})
    assert bad.status_code == 200 and b"Give round numbers" in bad.content


def test_filters_that_match_nothing_give_an_empty_dataset(labelled, researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(
            project=labelled, format="helpsteer2-preference", created_by=researcher, filters={"date_to": "2001-01-01"}
        )
    version.refresh_from_db()
    assert (version.status, version.row_counts) == ("ready", {"train": 0, "validation": 0})
    assert read_jsonl(version, "preference") == []
    card = default_storage.open(f"{version.storage_path}/README.md").read().decode()
    assert "This dataset is empty: no annotations matched the filters below." in card
    assert '- filter `date_to`: "2001-01-01"' in card


def test_filters_select_annotators_and_rounds(project, researcher, django_capture_on_commit_callbacks):
    first, second = raters(2)
    early = pair(project, "Round one?", "a", "b", round=1)
    late = pair(project, "Round two?", "c", "d", round=2)
    for item in (early, late):
        annotate(item, first, preference_strength=-1)
        annotate(item, second, preference_strength=3)
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=project, format="individual", created_by=researcher,
                                         filters={"annotators": ["rater1"], "rounds": [2]}, policy={"validation_fraction": 0})
    version.refresh_from_db()
    rows = read_jsonl(version, "train")
    assert [(row["item_id"], row["preference_strength"]) for row in rows] == [(late.pk, 3)]
    assert version.stats["rounds"] == {"2": 1}


def test_a_failing_build_is_marked_failed_and_leaves_no_files(labelled, researcher, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FailingStorage"}}
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=labelled, format="trl-preference", created_by=researcher)
    version.refresh_from_db()
    assert stored_files("datasets/demo") == []
    assert version.status == "failed"
    assert version.error == "OSError: No space left on device"
    assert (version.files, version.row_counts) == ([], {})
    assert stored_files(version.storage_path) == []


@pytest.mark.parametrize("batch_rows", [1, 5000], ids=["fails-mid-export", "fails-on-the-last-batch"])
def test_a_write_failing_in_the_writer_thread_fails_the_build(labelled, researcher, monkeypatch, django_capture_on_commit_callbacks, batch_rows):
    def full_disk(table):
        raise OSError("No space left on device")

    monkeypatch.setattr("datasets_app.exports.builders.writers.json_lines", full_disk)
    monkeypatch.setattr("datasets_app.exports.builders.writers.BATCH_ROWS", batch_rows)
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=labelled, format="individual", created_by=researcher)
    version.refresh_from_db()
    assert (version.status, version.error) == ("failed", "OSError: No space left on device")
    assert stored_files(version.storage_path) == []
    assert [t.name for t in threading.enumerate() if t.name == "export-writer"] == []  # nothing left running


def stored_files(prefix):
    if not default_storage.exists(prefix):
        return []
    directories, files = default_storage.listdir(prefix)
    return [f"{prefix}/{name}" for name in files] + [f for d in directories for f in stored_files(f"{prefix}/{d}")]


def test_a_redelivered_build_message_does_nothing(labelled, researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=labelled, format="individual", created_by=researcher)
    version.refresh_from_db()
    files = version.files
    assert dataset_version_build(version_id=version.pk) is None
    build_dataset_version.apply(args=[version.pk])
    version.refresh_from_db()
    assert (version.status, version.files) == ("ready", files)


def test_export_command_writes_the_files(labelled, tmp_path, capsys):
    call_command("export_dataset", "--project", "demo", "--format", "trl-preference", "--out", str(tmp_path),
                 "--containers", "jsonl,parquet", "--validation-fraction", "0")
    assert "demo v1 (trl-preference)" in capsys.readouterr().out
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "README.md", "jsonl/train.jsonl.gz", "jsonl/validation.jsonl.gz", "parquet/train.parquet", "parquet/validation.parquet",
    ]
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("export_dataset", "--project", "nope", "--format", "individual", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="containers must be"):
        call_command("export_dataset", "--project", "demo", "--format", "individual", "--out", str(tmp_path), "--containers", "csv")


def test_the_build_is_enqueued_only_after_the_commit(labelled, researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = dataset_version_create(project=labelled, format="individual", created_by=researcher)
    version.refresh_from_db()
    assert (len(callbacks), version.status, version.version) == (1, "queued", 1)
    callbacks[0]()
    version.refresh_from_db()
    assert version.status == "ready"
