"""Scenario import: the demo file, idempotent re-import, all-or-nothing with errors naming file, line
and field, the management command and the API endpoint."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from annotation.models import Item, Prompt, Response
from hindsight.importer import CHOICE_KEY, ScenarioImportError
from hindsight.models import Scenario, SimulatedOutcome
from tests.hindsight.hindsight_helpers import DEMO_FILE, HIDDEN, import_scenarios, jsonl, keyboard_scenario, make_project

pytestmark = pytest.mark.django_db


def test_the_demo_file_imports_and_a_second_import_adds_nothing(annotator):
    project = make_project(annotator)
    lines = DEMO_FILE.read_text().splitlines()
    first = import_scenarios(project, *lines)
    assert first.as_dict() == {"lines": 6, "scenarios_created": 6, "responses_created": 12, "items_created": 12}
    second = import_scenarios(project, *lines)
    assert second.as_dict() == {"lines": 6, "scenarios_created": 0, "responses_created": 0, "items_created": 0}
    assert (Scenario.objects.count(), Response.objects.count(), Item.objects.count()) == (6, 12, 12)
    laptop = Scenario.objects.get(external_id="laptop-1")
    assert len(laptop.prompt.messages) == 3 and "16 GB" in laptop.hidden_context
    assert {r.metadata[CHOICE_KEY] for r in laptop.prompt.responses.all()} == {"Option A", "Option B"}
    assert set(Response.objects.values_list("model_name", flat=True)) == {"policy-rlhf", "policy-rlhs"}


def test_the_pairs_layout_makes_one_item_per_pair(annotator):
    project = make_project(annotator, task_types=["hindsight", "pairwise"])
    import_scenarios(project, *DEMO_FILE.read_text().splitlines())
    assert Item.objects.filter(project=project, response_2__isnull=False).count() == 6
    assert not Item.objects.filter(project=project, response_2__isnull=True).exists()


def test_every_problem_is_reported_and_nothing_is_written(annotator):
    project = make_project(annotator)
    bad_choice = keyboard_scenario(id="k2", responses=[{"text": "Buy C.", "choice": "Option C"}])
    with pytest.raises(ScenarioImportError) as caught:
        import_scenarios(
            project,
            keyboard_scenario(),
            "{not json",
            {"id": "k3", "prompt": "Hi?", "responses": []},
            bad_choice,
            keyboard_scenario(id="k4", messages=[{"role": "robot", "content": "x"}], colour="red"),
        )
    found = {(e["line"], e["field"]) for e in caught.value.errors}
    assert found == {
        (2, "(line)"),
        (3, "responses"),
        (4, "responses[0].choice"),
        (5, "messages[0].role"),
        (5, "colour"),
    }
    assert all(e["file"] == "scenarios.jsonl" for e in caught.value.errors)
    assert not Prompt.objects.exists() and not Scenario.objects.exists()


def test_a_conversation_imported_with_other_hidden_context_is_refused(annotator):
    project = make_project(annotator)
    import_scenarios(project, keyboard_scenario())
    with pytest.raises(ScenarioImportError) as caught:
        import_scenarios(project, keyboard_scenario(id="k9", responses=["A new answer."], hidden_context="Other facts."))
    assert [(e["line"], e["field"]) for e in caught.value.errors] == [(1, "hidden_context")]
    assert not Response.objects.filter(text="A new answer.").exists()


def test_only_hindsight_projects_take_scenarios(project):
    with pytest.raises(ScenarioImportError, match="not a hindsight project"):
        import_scenarios(project, keyboard_scenario())


def test_lines_that_are_not_utf8_are_reported(annotator):
    project = make_project(annotator)
    with pytest.raises(ScenarioImportError) as caught:
        import_scenarios(project, b'{"prompt": "caf\xe9"}')
    assert caught.value.errors == [{"file": "scenarios.jsonl", "line": 1, "field": "(line)", "message": "not UTF-8 text"}]


def test_the_command_creates_the_project_and_simulates_template_outcomes(annotator):
    out = io.StringIO()
    call_command("import_scenarios", str(DEMO_FILE), project="demo-hindsight", create_project=True, member=["anna"],
                 simulate_template=True, stdout=out)
    assert annotator.projects.get().slug == "demo-hindsight"
    assert "6 new scenario(s)" in out.getvalue() and "Simulated 12 outcome(s)" in out.getvalue()
    assert SimulatedOutcome.objects.filter(response__prompt__project__slug="demo-hindsight").count() == 12
    tv = SimulatedOutcome.objects.get(response__text__startswith="Great question! Option B")
    assert tv.text.startswith("You followed the advice and chose Option B for $380. In the afternoon sun")


def test_the_command_reports_problems_with_file_and_line(tmp_path, annotator):
    make_project(annotator)
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(jsonl(keyboard_scenario(), {"prompt": "Hi?"})) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_scenarios", str(path), project="hs", stderr=err)
    assert "broken.jsonl:2: responses: must be a non-empty list" in err.getvalue()
    assert not Scenario.objects.exists()


def test_the_api_imports_for_researchers_only(client_for, annotator, researcher):
    project = make_project(annotator, researcher)
    endpoint = reverse("api-hindsight-scenarios", args=[project.slug])
    good = io.BytesIO("\n".join(jsonl(keyboard_scenario())).encode())
    good.name = "good.jsonl"
    created = client_for(researcher).post(endpoint, {"file": good, "layout": "single"}, format="multipart")
    assert created.status_code == 201
    assert created.json()["items_created"] == 2
    assert Scenario.objects.get().hidden_context == HIDDEN

    bad = io.BytesIO(b'{"prompt": "x", "responses": ["y"], "facts": []}\n')
    bad.name = "bad.jsonl"
    refused = client_for(researcher).post(endpoint, {"file": bad}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"file": "bad.jsonl", "line": 1, "field": "facts", "message": "must be an object"}]

    again = io.BytesIO(b"{}")
    again.name = "x.jsonl"
    assert client_for(annotator).post(endpoint, {"file": again}, format="multipart").status_code == 403
