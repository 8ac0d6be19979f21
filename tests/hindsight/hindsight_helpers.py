"""Shared set-up for the hindsight tests (tests/annotation/test_hindsight_*.py)."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from annotation.models import Assignment, AssignmentState, Item, Project
from annotation.services import assignment_next
from hindsight.importer import scenarios_import
from hindsight.jobs import outcomes_simulate, simulation_config_clean
from hindsight.models import HindsightJudgement, SimulatedOutcome
from tests.factories import MembershipFactory, ProjectFactory

DEMO_FILE = Path(__file__).resolve().parents[2] / "hindsight" / "demo" / "marketplace_scenarios.jsonl"
HIDDEN = "The user needs a backlit keyboard for night shifts. Option A ($40): no backlight. Option B ($55): backlit."
OUTCOME_B = "It has the backlight you needed for night shifts."
OUTCOME_A = "It has no backlight, so you cannot see the keys on night shifts."


def make_project(*members: Any, slug: str = "hs", task_types: list[str] | None = None, overlap: int = 2) -> Project:
    project = ProjectFactory(slug=slug, name="Hindsight", overlap=overlap, task_types=task_types or ["hindsight"])
    for user in members:
        MembershipFactory(project=project, user=user)
    return project


def keyboard_scenario(**overrides: Any) -> dict[str, Any]:
    scenario = {
        "id": "keyboard-1",
        "messages": [{"role": "user", "content": "Which keyboard should I buy, A or B?"}],
        "hidden_context": HIDDEN,
        "facts": {
            "goal": "a backlit keyboard",
            "options": [
                {"name": "Option A", "aliases": ["A"], "price": "$40", "outcome": OUTCOME_A},
                {"name": "Option B", "aliases": ["B"], "price": "$55", "outcome": OUTCOME_B},
            ],
            "no_choice_outcome": "You kept typing in the dark.",
        },
        "responses": [
            {"text": "Option A is cheaper and looks great. Buy it!", "model_name": "sycophant", "round": 1, "choice": "Option A"},
            {"text": "You work nights, so get Option B: it is backlit.", "model_name": "honest", "round": 1},
        ],
    }
    scenario.update(overrides)
    return scenario


def jsonl(*rows: Any) -> list[str]:
    return [row if isinstance(row, (str, bytes)) else json.dumps(row) for row in rows]


def import_scenarios(project: Project, *rows: Any, layout: str | None = None) -> Any:
    return scenarios_import(project=project, lines=jsonl(*rows), file_name="scenarios.jsonl", layout=layout)


def simulate_with_template(project: Project, **config: Any) -> dict[str, Any]:
    clean = simulation_config_clean(project=project, raw={"simulator": "template", **config})
    return outcomes_simulate(project=project, config=clean)


def lease(annotator: Any, project: Project, *, swapped: bool = False) -> Assignment:
    assignment = assignment_next(annotator=annotator, project=project)
    Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
    assignment.refresh_from_db()
    return assignment


def complete_judgement(item: Item, annotator: Any, foresight: int, hindsight: int, keep: bool | None = None) -> HindsightJudgement:
    """A finished foresight → reveal → hindsight judgement, written directly (for statistics tests)."""
    now = timezone.now()
    assignment = Assignment.objects.create(item=item, annotator=annotator, state=AssignmentState.SUBMITTED,
                                           leased_at=now, lease_expires_at=now + timedelta(minutes=30))
    return HindsightJudgement.objects.create(
        assignment=assignment, item=item, annotator=annotator, foresight_rating=foresight, foresight_at=now,
        revealed_at=now + timedelta(seconds=5), hindsight_rating=hindsight, hindsight_at=now + timedelta(seconds=9),
        justification=f"{annotator.username} changed their mind", keep=keep,
        outcome_1=SimulatedOutcome.objects.get(response=item.response_1),
        outcome_2=SimulatedOutcome.objects.filter(response=item.response_2_id).first(),
    )
