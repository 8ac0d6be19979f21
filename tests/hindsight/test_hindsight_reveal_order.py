"""The reveal order is enforced by the server: foresight first, reveal only after it, hindsight only
after the reveal, foresight locked from the reveal on; hidden context and outcome never leak early."""
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from annotation.models import Annotation, AssignmentState
from hindsight.models import HindsightJudgement, SimulatedOutcome
from tests.hindsight.hindsight_helpers import (
    HIDDEN,
    OUTCOME_A,
    OUTCOME_B,
    import_scenarios,
    keyboard_scenario,
    lease,
    make_project,
    simulate_with_template,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def single_project(annotator, other_annotator, researcher):
    project = make_project(annotator, other_annotator, researcher)
    import_scenarios(project, keyboard_scenario(responses=[keyboard_scenario()["responses"][0]]), layout="single")
    simulate_with_template(project)
    return project


@pytest.fixture
def pair_project(annotator, other_annotator, researcher):
    project = make_project(annotator, other_annotator, researcher, slug="hs-pairs")
    import_scenarios(project, keyboard_scenario(), layout="pairs")
    simulate_with_template(project)
    return project


def url(name, assignment):
    return reverse(name, args=[assignment.pk])


def test_single_response_flow_in_order(client_for, annotator, single_project):
    api = client_for(annotator)
    task = api.post(reverse("api-hindsight-next-task", args=[single_project.slug]), {}, format="json")
    assert task.status_code == 200
    data = task.json()
    assert data["stage"] == "foresight" and data["reveal"] is None and data["outcome_ready"] is True
    assert data["scale"]["labels"]["1"] == "Very dissatisfied" and data["scale"]["labels"]["5"] == "Very satisfied"
    assert HIDDEN not in str(data) and "backlight" not in str(data)
    assignment_id = data["assignment_id"]
    routes = {name: reverse(f"api-hindsight-{name}", args=[assignment_id]) for name in ("foresight", "reveal", "submit")}

    reveal_first = api.post(routes["reveal"], {}, format="json")
    assert reveal_first.status_code == 409
    assert "foresight" in reveal_first.json()["message"]
    early = api.post(routes["submit"], {"client_id": str(uuid.uuid4()), "rating": 2, "justification": "x"}, format="json")
    assert early.status_code == 409
    assert "not been revealed" in early.json()["message"]

    assert api.post(routes["foresight"], {"rating": 4}, format="json").status_code == 200
    changed = api.post(routes["foresight"], {"rating": 5}, format="json")
    assert changed.status_code == 200 and changed.json()["foresight"] == {**changed.json()["foresight"], "rating": 5, "locked": False}

    revealed = api.post(routes["reveal"], {}, format="json")
    assert revealed.status_code == 200
    reveal = revealed.json()["reveal"]
    assert revealed.json()["stage"] == "hindsight"
    assert reveal["hidden_context"] == HIDDEN
    assert reveal["outcomes"][0]["text"] == f"You followed the advice and chose Option A for $40. {OUTCOME_A}"

    locked = api.post(routes["foresight"], {"rating": 1}, format="json")
    assert locked.status_code == 409
    assert "locked" in locked.json()["message"]
    client_id = str(uuid.uuid4())
    body = {"client_id": client_id, "rating": 1, "justification": "No backlight: useless at night.", "keep": False}
    done = api.post(routes["submit"], body, format="json")
    assert done.status_code == 201
    again = api.post(routes["submit"], body, format="json")
    assert again.status_code == 200

    judgement = HindsightJudgement.objects.get(assignment_id=assignment_id)
    assert (judgement.foresight_rating, judgement.hindsight_rating, judgement.keep) == (5, 1, False)
    assert judgement.foresight_at <= judgement.revealed_at <= judgement.hindsight_at
    assert judgement.annotation.justification == "No backlight: useless at night."
    assert Annotation.objects.filter(annotator=annotator).count() == 1
    assert judgement.assignment.state == AssignmentState.SUBMITTED
    judgement.item.refresh_from_db()
    assert judgement.item.completed_count == 1


def test_pairwise_ratings_are_stored_in_canonical_order(client_for, annotator, pair_project):
    assignment = lease(annotator, pair_project, swapped=True)
    api = client_for(annotator)
    # Shown swapped: A is response 2 (the honest one), B is response 1.
    assert api.post(url("api-hindsight-foresight", assignment), {"rating": 2}, format="json").status_code == 200
    revealed = api.post(url("api-hindsight-reveal", assignment), {}, format="json").json()
    assert [o["label"] for o in revealed["reveal"]["outcomes"]] == ["A", "B"]
    assert "response_id" not in revealed["reveal"]["outcomes"][0]  # slots only: ids would tell the stored order
    assert OUTCOME_B in revealed["reveal"]["outcomes"][0]["text"]
    assert OUTCOME_A in revealed["reveal"]["outcomes"][1]["text"]
    assert revealed["foresight"]["rating"] == 2
    body = {"client_id": str(uuid.uuid4()), "rating": -3, "justification": "A's backlight is what counted.", "keep": False}
    assert api.post(url("api-hindsight-submit", assignment), body, format="json").status_code == 201

    judgement = HindsightJudgement.objects.get(assignment=assignment)
    assert (judgement.foresight_rating, judgement.hindsight_rating) == (-2, 3)
    assert judgement.outcome_1.response_id == assignment.item.response_1_id
    assert judgement.outcome_2.response_id == assignment.item.response_2_id


@pytest.mark.parametrize(
    ("rating", "project_name"), [(6, "single_project"), (0, "single_project"), (4, "pair_project"), (True, "single_project")]
)
def test_ratings_outside_the_scale_are_refused(request, client_for, annotator, rating, project_name):
    assignment = lease(annotator, request.getfixturevalue(project_name))
    response = client_for(annotator).post(url("api-hindsight-foresight", assignment), {"rating": rating}, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()["errors"]
    assert not HindsightJudgement.objects.exists()


def test_hindsight_needs_a_justification(client_for, annotator, single_project):
    assignment = lease(annotator, single_project)
    api = client_for(annotator)
    api.post(url("api-hindsight-foresight", assignment), {"rating": 3}, format="json")
    api.post(url("api-hindsight-reveal", assignment), {}, format="json")
    response = api.post(url("api-hindsight-submit", assignment), {"client_id": str(uuid.uuid4()), "rating": 3, "justification": " "}, format="json")
    assert response.status_code == 400
    assert "justification" in response.json()["errors"]
    assert HindsightJudgement.objects.get(assignment=assignment).hindsight_rating is None


def test_keep_is_refused_after_a_tie_in_foresight(client_for, annotator, pair_project):
    assignment = lease(annotator, pair_project)
    api = client_for(annotator)
    api.post(url("api-hindsight-foresight", assignment), {"rating": 0}, format="json")
    api.post(url("api-hindsight-reveal", assignment), {}, format="json")
    body = {"client_id": str(uuid.uuid4()), "rating": 1, "justification": "B worked out.", "keep": True}
    response = api.post(url("api-hindsight-submit", assignment), body, format="json")
    assert response.status_code == 400
    assert "keep" in response.json()["errors"]


def test_reveal_needs_an_outcome(client_for, annotator, other_annotator, researcher):
    project = make_project(annotator, other_annotator, researcher)
    import_scenarios(project, keyboard_scenario(), layout="single")
    assignment = lease(annotator, project)
    api = client_for(annotator)
    ready = api.get(reverse("api-hindsight-task", args=[assignment.pk])).json()
    assert ready["outcome_ready"] is False
    api.post(url("api-hindsight-foresight", assignment), {"rating": 3}, format="json")
    response = api.post(url("api-hindsight-reveal", assignment), {}, format="json")
    assert response.status_code == 409
    assert "No simulated outcome" in response.json()["message"]
    assert HindsightJudgement.objects.get(assignment=assignment).revealed_at is None


def test_the_outcome_shown_stays_recorded_when_regenerated(client_for, annotator, single_project):
    assignment = lease(annotator, single_project)
    api = client_for(annotator)
    api.post(url("api-hindsight-foresight", assignment), {"rating": 4}, format="json")
    api.post(url("api-hindsight-reveal", assignment), {}, format="json")
    simulate_with_template(single_project, scope="all", outcome_template="Version two: {choice}.")

    judgement = HindsightJudgement.objects.get(assignment=assignment)
    assert judgement.outcome_1.version == 1
    assert SimulatedOutcome.objects.filter(response_id=assignment.item.response_1_id).count() == 2
    again = api.post(url("api-hindsight-reveal", assignment), {}, format="json").json()
    assert again["reveal"]["outcomes"][0]["version"] == 1


def test_someone_elses_task_is_not_found(client_for, annotator, other_annotator, single_project):
    assignment = lease(annotator, single_project)
    api = client_for(other_annotator)
    for name in ("api-hindsight-foresight", "api-hindsight-reveal", "api-hindsight-submit", "api-hindsight-task"):
        method = api.get if name == "api-hindsight-task" else api.post
        assert method(url(name, assignment), {}, format="json").status_code == 404


def test_a_skipped_task_cannot_be_revealed(client_for, annotator, single_project):
    assignment = lease(annotator, single_project)
    api = client_for(annotator)
    api.post(url("api-hindsight-foresight", assignment), {"rating": 4}, format="json")
    assert api.post(reverse("api-skip-task", args=[assignment.pk]), {"reason": "broken"}, format="json").status_code == 200
    assert api.post(url("api-hindsight-reveal", assignment), {}, format="json").status_code == 409


def test_ordinary_payloads_never_carry_the_hidden_context(client_for, annotator, other_annotator, researcher):
    project = make_project(annotator, other_annotator, researcher, task_types=["hindsight", "pairwise"])
    import_scenarios(project, keyboard_scenario())
    simulate_with_template(project)
    task = client_for(annotator).post(reverse("api-next-task", args=[project.slug]), {}, format="json")
    assert task.status_code == 200
    assert HIDDEN not in task.content.decode() and OUTCOME_B not in task.content.decode()


def test_the_database_refuses_a_hindsight_rating_without_a_reveal(annotator, single_project):
    assignment = lease(annotator, single_project)
    with pytest.raises(IntegrityError), transaction.atomic():
        HindsightJudgement.objects.create(
            assignment=assignment, item=assignment.item, annotator=annotator,
            foresight_rating=3, foresight_at=timezone.now(), hindsight_rating=2,
        )


def test_the_plain_submit_endpoint_cannot_skip_the_hindsight_flow(client_for, annotator, single_project):
    assignment = lease(annotator, single_project)
    response = client_for(annotator).post(
        reverse("api-submit-annotation", args=[assignment.pk]), {"client_id": str(uuid.uuid4())}, format="json"
    )
    assert response.status_code == 409
    assert not Annotation.objects.filter(item=assignment.item, annotator=annotator).exists()


def test_the_plain_workspace_sends_hindsight_projects_to_the_hindsight_workspace(client, annotator, single_project):
    client.force_login(annotator)
    response = client.get(reverse("annotation:annotate", args=[single_project.slug]))
    assert response.status_code == 302
    assert response.url == reverse("hindsight:annotate", args=[single_project.slug])
