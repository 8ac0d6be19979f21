"""The Outcomes page does not say "no simulation has run" beside outcomes that a simulation wrote
(issue 16, point 8)."""
import re

import pytest
from django.urls import reverse

from tests.hindsight.hindsight_helpers import import_scenarios, keyboard_scenario, make_project, simulate_with_template

pytestmark = pytest.mark.django_db


def jobs_card(html: str) -> str:
    return re.search(r"<h2>Recent simulation jobs</h2>.*?</section>", html, re.S).group(0)


def test_outcomes_written_without_a_job_are_explained(researcher, client):
    project = make_project(researcher)
    import_scenarios(project, keyboard_scenario(), layout="pairs")
    simulate_with_template(project)
    client.force_login(researcher)
    html = client.get(reverse("hindsight:simulate", args=[project.slug])).content.decode()
    assert "2 of 2 responses have a simulated outcome" in html
    card = jobs_card(html)
    assert "No simulation has run yet" not in card
    assert "2 outcomes were simulated without a job" in card


def test_a_project_without_outcomes_says_none_has_run(researcher, client):
    project = make_project(researcher)
    import_scenarios(project, keyboard_scenario(), layout="pairs")
    client.force_login(researcher)
    html = client.get(reverse("hindsight:simulate", args=[project.slug])).content.decode()
    assert "0 of 2 responses have a simulated outcome" in html
    assert "No simulation has run yet" in jobs_card(html)
