"""Researchers pause an annotator (no new tasks, and the workspace says why) and leave an annotator's
labels out of an export, in every format and stated in the dataset card (issue 15, part 4)."""
import pytest

from annotation.models import Membership
from datasets_app.exports.services import dataset_version_create
from tests.datasets_app.export_builders import annotate, pair, read_jsonl, read_stored, scores
from tests.datasets_app.exports.test_export_hindsight import export as hindsight_export
from tests.datasets_app.exports.test_export_hindsight import judged  # noqa: F401 (a fixture)
from tests.factories import MembershipFactory, UserFactory

PAUSED = "A researcher has paused your annotating in this project"


def test_a_paused_annotator_gets_no_task_and_is_told_why(project, items, annotator, researcher, client_for, client):
    response = client_for(researcher).post(f"/api/projects/{project.slug}/annotator-pauses/",
                                           {"username": annotator.username, "paused": True}, format="json")
    assert response.status_code == 200 and response.json() == {"username": "anna", "paused": True}
    refused = client_for(annotator).post(f"/api/projects/{project.slug}/next-task/", {}, format="json")
    assert refused.status_code == 409 and PAUSED in refused.json()["message"]
    client.force_login(annotator)
    assert PAUSED in client.get(f"/projects/{project.slug}/annotate/").content.decode()
    stats = client_for(researcher).get(f"/api/projects/{project.slug}/stats/").json()
    assert stats["paused_annotators"] == ["anna"]
    client_for(researcher).post(f"/api/projects/{project.slug}/annotator-pauses/", {"username": "anna", "paused": False}, format="json")
    assert client_for(annotator).post(f"/api/projects/{project.slug}/next-task/", {}, format="json").status_code == 200
    assert PAUSED not in client.get(f"/projects/{project.slug}/annotate/").content.decode()


def test_the_dashboard_form_pauses_and_resumes(project, items, annotator, researcher, client):
    client.force_login(researcher)
    page = client.post(f"/projects/{project.slug}/dashboard/pause/", {"username": "anna", "paused": "1"}, follow=True)
    assert "anna is paused" in page.content.decode()
    assert Membership.objects.get(project=project, user=annotator).paused is True
    client.post(f"/projects/{project.slug}/dashboard/pause/", {"username": "anna", "paused": "0"})
    assert Membership.objects.get(project=project, user=annotator).paused is False


def test_only_members_can_be_paused(project, researcher, client_for):
    outsider = UserFactory(username="stranger", role="annotator")
    response = client_for(researcher).post(f"/api/projects/{project.slug}/annotator-pauses/",
                                           {"username": outsider.username, "paused": True}, format="json")
    assert response.status_code == 404


@pytest.fixture
def three_raters(project, annotator, other_annotator):
    """anna −3, otto −2 and tina +3 on two pairs, with HelpSteer2 scores (tina's all 0)."""
    tina = UserFactory(username="tina", role="annotator")
    MembershipFactory(project=project, user=tina)
    for n in range(2):
        item = pair(project, f"Question {n}?", f"Good {n}", f"Bad {n}")
        for user, strength, value in ((annotator, -3, 4), (other_annotator, -2, 3), (tina, 3, 0)):
            annotate(item, user, preference_strength=strength, justification="@A." if strength < 0 else "@B.",
                     attribute_scores={"1": scores(*[value] * 5), "2": scores(*[value] * 5)})
    return project


def _export(project, researcher, capture, fmt, **filters):
    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=researcher, filters=filters,
                                         policy={"validation_fraction": 0.0, "max_spread": 6})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


@pytest.mark.parametrize("fmt", ["helpsteer2", "helpsteer2-preference", "trl-preference", "individual"])
def test_excluded_annotators_labels_leave_every_format(three_raters, researcher, fmt, django_capture_on_commit_callbacks):
    everyone = _export(three_raters, researcher, django_capture_on_commit_callbacks, fmt)
    without = _export(three_raters, researcher, django_capture_on_commit_callbacks, fmt, exclude_annotators=["tina"])
    assert (everyone.stats["annotators"], without.stats["annotators"]) == (3, 2)
    assert without.filters == {"exclude_annotators": ["tina"]}
    card = read_stored(without, "README.md").decode()
    assert "## Excluded annotators" in card and "`tina`" in card
    assert "## Excluded annotators" not in read_stored(everyone, "README.md").decode()


def test_exclusion_changes_the_labels(three_raters, researcher, django_capture_on_commit_callbacks):
    everyone = _export(three_raters, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference")
    without = _export(three_raters, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference", exclude_annotators=["tina"])
    # (−3 − 2 + 3) / 3 = −⅔ → −1; without tina (−3 − 2) / 2 = −2.5 → −3.
    assert {row["preference_strength"] for row in read_jsonl(everyone, "preference")} == {-1}
    assert {row["preference_strength"] for row in read_jsonl(without, "preference")} == {-3}
    assert all(3 not in [p["strength"] for p in row["all_preferences_unprocessed"]] for row in read_jsonl(without, "preference"))


def test_the_hindsight_format_honours_the_exclusion(judged, researcher, django_capture_on_commit_callbacks):  # noqa: F811
    project, _ = judged
    version = hindsight_export(project, researcher, django_capture_on_commit_callbacks, filters={"exclude_annotators": ["anna"]})
    assert version.stats["annotators"] == 1
    assert "`anna`" in read_stored(version, "README.md").decode()
