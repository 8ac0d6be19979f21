"""An outcome simulation's configuration: OutcomeSimulationConfig's metadata, then its templates' fields."""
import pytest
from django.core.exceptions import ValidationError

from hindsight.jobs import simulation_config_clean, simulation_config_defaults
from tests.hindsight.hindsight_helpers import make_project


def problems(project, raw):
    with pytest.raises(ValidationError) as caught:
        simulation_config_clean(project=project, raw=raw)
    return {name: " ".join(messages) for name, messages in caught.value.message_dict.items()}


@pytest.mark.django_db
def test_a_null_takes_the_default_except_where_null_is_a_value(annotator):
    project = make_project(annotator)
    config = simulation_config_clean(project=project, raw={"temperature": None, "seed": None, "response_ids": None})

    assert config == {**simulation_config_defaults(), "seed": None}


@pytest.mark.django_db
def test_bad_values_are_reported_together_and_templates_once_the_values_pass(annotator):
    project = make_project(annotator)
    assert problems(project, {"temperature": 6, "top_p": 0, "response_ids": [1, "2"], "outcome_template": "{secret}"}) == {
        "temperature": "Must be from 0 to 5.",
        "top_p": "Must be more than 0 and at most 1.",
        "response_ids": "Expected a list of int or null, got [1, '2'].",
    }
    found = problems(project, {"outcome_template": "{secret}", "no_choice_template": "{", "prompt_template": "  "})
    assert set(found) == {"outcome_template", "no_choice_template", "prompt_template"}
    assert found["prompt_template"] == "The simulator prompt template is empty."
    assert found["outcome_template"].startswith("Unknown field(s) {secret}")
