"""The foresight rating locks at the reveal, and the hindsight service says so itself (a 409), rather
than leaving it to the database's `reveal_after_foresight` constraint, which only compares two clock
readings: with several web hosts (or a clock step) those readings can come from clocks that disagree.

- A reveal stamped by a host whose clock runs ahead leaves `revealed_at` in this host's future: a
  foresight change here would then satisfy the constraint, so only the service stands in its way.
- A foresight saved by a host whose clock runs ahead, revealed a moment later by this host (the
  browser sends the two requests back to back), must not trip the constraint into a 500: the reveal
  did come after the foresight (both hold the assignment's row lock), so it is recorded no earlier.
"""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hindsight.models import HindsightJudgement
from hindsight.services import RevealOrderError, foresight_submit, outcome_reveal
from tests.hindsight.hindsight_helpers import (
    import_scenarios,
    keyboard_scenario,
    lease,
    make_project,
    simulate_with_template,
)

pytestmark = pytest.mark.django_db
SKEW = timedelta(seconds=3)


@pytest.fixture
def assignment(annotator, researcher):
    project = make_project(annotator, researcher)
    import_scenarios(project, keyboard_scenario(responses=[keyboard_scenario()["responses"][0]]), layout="single")
    simulate_with_template(project)
    return lease(annotator, project)


def url(name: str, assignment) -> str:
    return reverse(name, args=[assignment.pk])


def test_the_service_refuses_a_foresight_change_the_database_would_let_through(annotator, assignment):
    """Guards: foresight_submit without its own lock check (the constraint cannot see this change)."""
    foresight_submit(annotator=annotator, assignment=assignment, rating=4)
    outcome_reveal(annotator=annotator, assignment=assignment)
    HindsightJudgement.objects.filter(assignment=assignment).update(revealed_at=timezone.now() + SKEW)

    with pytest.raises(RevealOrderError, match="locked"):
        foresight_submit(annotator=annotator, assignment=assignment, rating=1)
    assert HindsightJudgement.objects.get(assignment=assignment).foresight_rating == 4


def test_the_api_answers_a_locked_foresight_with_409_and_keeps_the_rating(client_for, annotator, assignment):
    """Guards: the foresight API letting the change through (200) when the database does not object."""
    api = client_for(annotator)
    assert api.post(url("api-hindsight-foresight", assignment), {"rating": 4}, format="json").status_code == 200
    assert api.post(url("api-hindsight-reveal", assignment), {}, format="json").status_code == 200
    HindsightJudgement.objects.filter(assignment=assignment).update(revealed_at=timezone.now() + SKEW)

    response = api.post(url("api-hindsight-foresight", assignment), {"rating": 1}, format="json")

    assert response.status_code == 409
    assert "locked" in response.json()["message"]
    assert HindsightJudgement.objects.get(assignment=assignment).foresight_rating == 4


def test_a_reveal_after_a_foresight_stamped_by_a_clock_ahead_is_recorded_not_a_500(client_for, annotator, assignment):
    """Guards: outcome_reveal stamping a reveal earlier than the foresight it follows (the database
    constraint then raised an IntegrityError: a 500)."""
    api = client_for(annotator)
    assert api.post(url("api-hindsight-foresight", assignment), {"rating": 4}, format="json").status_code == 200
    ahead = timezone.now() + SKEW
    HindsightJudgement.objects.filter(assignment=assignment).update(foresight_at=ahead)

    response = api.post(url("api-hindsight-reveal", assignment), {}, format="json")

    assert response.status_code == 200
    assert response.json()["stage"] == "hindsight"
    judgement = HindsightJudgement.objects.get(assignment=assignment)
    assert judgement.revealed_at >= judgement.foresight_at == ahead
    assert api.post(url("api-hindsight-foresight", assignment), {"rating": 1}, format="json").status_code == 409
