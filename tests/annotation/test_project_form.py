"""Creating and editing a project in the browser's forms: a new project leads to its import page, and
the Likert attribute schema is edited as rows, with raw JSON for power users (issue 16, point 4)."""
import json

import pytest
from django.urls import reverse

from annotation.attributes import default_attribute_schema
from annotation.models import Project

pytestmark = pytest.mark.django_db


def management(total: int, initial: int = 0) -> dict[str, str]:
    return {"attr-TOTAL_FORMS": str(total), "attr-INITIAL_FORMS": str(initial), "attr-MIN_NUM_FORMS": "0", "attr-MAX_NUM_FORMS": "30"}


def base_fields(**overrides) -> dict[str, object]:
    fields = {
        "name": "Support replies", "slug": "support-replies", "guidelines": "", "task_types": ["pairwise", "likert"],
        "overlap": "2", "lease_minutes": "30", "max_active_leases": "3", "justification_min_strength": "2",
        "gold_rate": "0", "licence": "CC-BY-4.0",
    }
    fields.update(overrides)
    return fields


def test_creating_a_project_leads_to_its_import_page(researcher, client):
    client.force_login(researcher)
    data = {
        **base_fields(),
        **management(2),
        "attr-0-name": "helpfulness", "attr-0-description": "How much it helps.", "attr-0-min": "0", "attr-0-max": "2",
        "attr-0-levels": "0: not at all\n1: somewhat\n2: fully",
        "attr-1-name": "", "attr-1-description": "", "attr-1-min": "0", "attr-1-max": "4", "attr-1-levels": "",
    }
    response = client.post(reverse("annotation:project_create"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == reverse("datasets_app:project_import", args=["support-replies"])
    project = Project.objects.get(slug="support-replies")
    assert project.attribute_schema == [
        {"name": "helpfulness", "description": "How much it helps.", "min": 0, "max": 2,
         "levels": {"0": "not at all", "1": "somewhat", "2": "fully"}},
    ]


def test_the_settings_page_shows_one_row_per_attribute_and_no_raw_json_box_up_front(project, researcher, client):
    client.force_login(researcher)
    html = client.get(reverse("annotation:project_settings", args=[project.slug])).content.decode()
    for index, attribute in enumerate(default_attribute_schema()):
        assert f'name="attr-{index}-name" value="{attribute["name"]}"' in html
    assert "0: Not helpful at all; ignores or fails the request." in html
    assert '<details id="attribute-json">' in html  # the JSON is folded away, not the main editor


def test_rows_edit_remove_and_add_attributes(project, researcher, client):
    client.force_login(researcher)
    schema = project.attribute_schema
    data = {**base_fields(name=project.name, slug=project.slug), **management(len(schema) + 1, len(schema))}
    for index, attribute in enumerate(schema):
        data.update({
            f"attr-{index}-name": attribute["name"], f"attr-{index}-description": attribute["description"],
            f"attr-{index}-min": "0", f"attr-{index}-max": "4",
            f"attr-{index}-levels": "\n".join(f"{k}: {v}" for k, v in attribute["levels"].items()),
        })
    data["attr-1-DELETE"] = "on"  # correctness goes
    data["attr-0-description"] = "Does it help?"
    extra = len(schema)
    data.update({f"attr-{extra}-name": "safety", f"attr-{extra}-description": "Harmlessness.", f"attr-{extra}-min": "1",
                 f"attr-{extra}-max": "3", f"attr-{extra}-levels": "1: harmful\n3: harmless"})
    response = client.post(reverse("annotation:project_settings", args=[project.slug]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    project.refresh_from_db()
    assert project.attribute_names == ["helpfulness", "coherence", "complexity", "verbosity", "safety"]
    assert project.attribute_schema[0]["description"] == "Does it help?"
    assert project.attribute_schema[0]["levels"]["4"] == "Perfectly helpful; fully addresses the request."
    assert project.attribute_schema[-1] == {"name": "safety", "description": "Harmlessness.", "min": 1, "max": 3,
                                            "levels": {"1": "harmful", "3": "harmless"}}


def test_a_bad_row_is_reported_on_that_row_and_nothing_is_saved(project, researcher, client):
    client.force_login(researcher)
    data = {**base_fields(name=project.name, slug=project.slug), **management(1),
            "attr-0-name": "helpfulness", "attr-0-min": "0", "attr-0-max": "4", "attr-0-levels": "zero: nothing\n9: too high"}
    response = client.post(reverse("annotation:project_settings", args=[project.slug]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "line 1: write" in html and "line 2: level 9 is outside 0–4" in html
    project.refresh_from_db()
    assert project.attribute_schema == default_attribute_schema()


def test_power_users_may_still_save_raw_json(project, researcher, client):
    client.force_login(researcher)
    schema = [{"name": "tone", "description": "Politeness.", "min": 0, "max": 1, "levels": {"0": "rude", "1": "polite"}, "weight": 2}]
    data = {**base_fields(name=project.name, slug=project.slug), **management(0),
            "attribute_schema": json.dumps(schema), "schema_as_json": "on"}
    response = client.post(reverse("annotation:project_settings", args=[project.slug]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    project.refresh_from_db()
    assert project.attribute_schema == schema


def test_bad_json_is_reported_when_json_is_chosen(project, researcher, client):
    client.force_login(researcher)
    data = {**base_fields(name=project.name, slug=project.slug), **management(0),
            "attribute_schema": '[{"name": "has space"}]', "schema_as_json": "on"}
    response = client.post(reverse("annotation:project_settings", args=[project.slug]), data)
    assert response.status_code == 200
    assert "&#x27;name&#x27; must be an identifier" in response.content.decode()
