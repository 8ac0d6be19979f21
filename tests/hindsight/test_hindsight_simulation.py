"""Outcome simulation: the deterministic template, a tiny causal LM built on the spot, the job that
runs them (launched through the API), provenance, and versions kept on regeneration."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from annotation.models import Response
from hindsight.jobs import outcome_simulation_launch, simulation_config_clean
from hindsight.models import SimulatedOutcome
from hindsight.selectors import latest_outcomes
from jobs.models import Artifact, JobKind, JobStatus, TrainingJob
from tests.hindsight.hindsight_helpers import (
    HIDDEN,
    OUTCOME_A,
    OUTCOME_B,
    import_scenarios,
    keyboard_scenario,
    make_project,
    simulate_with_template,
)
from training.policies.models import PolicyCheckpoint
from verdict_ml.outcomes import OutcomeRequest, _prompt_length, fit_prompt, load_simulator, template_outcome, text_hash

FACTS = keyboard_scenario()["facts"]
TEMPLATES = {"template": "You followed the advice and chose {choice}{price_clause}. {outcome}", "no_choice_template": "{outcome}"}


def request(response: str, choice: str | None = None) -> OutcomeRequest:
    return OutcomeRequest(key=1, messages=[{"role": "user", "content": "A or B?"}], response=response,
                          hidden_context=HIDDEN, facts=FACTS, choice=choice)


@pytest.mark.parametrize(
    ("response", "choice", "expected"),
    [
        ("Anything.", "Option A", f"You followed the advice and chose Option A for $40. {OUTCOME_A}"),
        ("A is cheap, but B is backlit: take b.", None, f"You followed the advice and chose Option B for $55. {OUTCOME_B}"),
        ("Option B is fine, but option a is cheaper.", None, f"You followed the advice and chose Option A for $40. {OUTCOME_A}"),
        ("Buy whichever you like.", None, "You kept typing in the dark."),
    ],
    ids=["explicit-choice", "alias-mentioned-last", "name-mentioned-last", "no-choice"],
)
def test_template_outcome_follows_the_option_the_user_ends_up_with(response, choice, expected):
    assert template_outcome(request(response, choice), **TEMPLATES).text == expected


# Transactional: the launch's commit sends the task (Celery eager), and the job runner manages connections.
@pytest.mark.django_db(transaction=True)
def test_simulation_job_launched_through_the_api_stores_versions_with_provenance(client_for, admin_user, annotator):
    project = make_project(admin_user, annotator)
    import_scenarios(project, keyboard_scenario(), layout="single")
    endpoint = reverse("api-hindsight-simulations", args=[project.slug])
    launched = client_for(admin_user).post(endpoint, {"config": {"simulator": "template"}}, format="json")
    assert launched.status_code == 201
    job = TrainingJob.objects.get(pk=launched.json()["id"])
    assert (job.kind, job.status, job.summary["outcomes"]) == (JobKind.OUTCOME_SIMULATION, JobStatus.SUCCEEDED, 2)
    first = SimulatedOutcome.objects.get(response__model_name="sycophant")
    assert first.text == f"You followed the advice and chose Option A for $40. {OUTCOME_A}"
    assert (first.version, first.simulator, first.job_id) == (1, "template", job.pk)
    assert first.template_hash == text_hash(first.template_text) and "{choice}" in first.template_text
    assert first.generation_params == {"choice": "Option A", "choice_source": "explicit"}

    client_for(admin_user).post(endpoint, {"config": {"scope": "missing"}}, format="json")
    assert SimulatedOutcome.objects.count() == 2
    client_for(admin_user).post(endpoint, {"config": {"scope": "all", "outcome_template": "Now: {choice} at {price}."}}, format="json")
    versions = list(SimulatedOutcome.objects.filter(response=first.response).values_list("version", "text"))
    assert versions == [(2, "Now: Option A at $40."), (1, first.text)]
    assert latest_outcomes(response_ids=[first.response_id])[first.response_id].version == 2
    listed = client_for(admin_user).get(reverse("api-hindsight-outcomes", args=[project.slug, first.response_id]))
    assert [v["version"] for v in listed.json()] == [2, 1]
    assert client_for(admin_user).get(endpoint).json()["defaults"]["outcome_template"] == "Now: {choice} at {price}."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"prompt_template": "Facts: {secret}"}, "prompt_template"),
        ({"outcome_template": "You chose {choice"}, "outcome_template"),
        ({"simulator": "oracle"}, "simulator"),
        ({"temperature": -1}, "temperature"),
        ({"max_new_tokens": "many"}, "max_new_tokens"),
        ({"colour": "red"}, "colour"),
        ({"simulator": "model"}, "model_path"),
        ({"simulator": "model", "model_path": "/nowhere/model"}, "model_path"),
    ],
)
def test_bad_configurations_are_refused_before_queueing(annotator, raw, field):
    project = make_project(annotator)
    with pytest.raises(ValidationError) as caught:
        simulation_config_clean(project=project, raw=raw)
    assert field in caught.value.message_dict


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    """A tiny Llama + BPE tokenizer from the shared policy builder, barely trained (seconds on CPU)."""
    import torch

    from verdict_ml.policies.tiny import TinyPolicyConfig, build_tiny_policy
    from verdict_ml.policies.toy import toy_chat_examples

    torch.set_num_threads(1)
    return build_tiny_policy(
        toy_chat_examples(60, seed=3), tmp_path_factory.mktemp("simulator"), config=TinyPolicyConfig(max_steps=3, vocab_size=400)
    )


def bootstrap_policy(project, path):
    """What the policy-bootstrap job leaves behind: a succeeded job, its ready `policy` artifact and its
    checkpoint in the registry."""
    job = TrainingJob.objects.create(project=project, kind=JobKind.BOOTSTRAP_POLICY, status=JobStatus.SUCCEEDED,
                                     finished_at=timezone.now())
    Artifact.objects.create(job=job, name="policy", path=path, ready=True)
    return PolicyCheckpoint.objects.create(project=project, name="tiny policy", base_model=path, path=path,
                                           merged_path=path, created_by_job=job)


@pytest.mark.django_db(transaction=True)
def test_the_default_tiny_policy_simulates_outcomes_with_provenance(annotator, tiny_lm):
    project = make_project(annotator)
    import_scenarios(project, keyboard_scenario(), layout="single")
    bootstrap_policy(project, tiny_lm)
    # No model_path: the project's bootstrapped tiny policy is the simulator.
    config = {"simulator": "model", "max_new_tokens": 12, "temperature": 0.8, "seed": 5, "device": "cpu"}
    job = outcome_simulation_launch(project=project, config=config, launched_by=None)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    outcomes = list(SimulatedOutcome.objects.order_by("response_id"))
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert (outcome.simulator, outcome.model_path, outcome.version) == ("model", tiny_lm, 1)
        assert outcome.generation_params["max_new_tokens"] == 12 and outcome.generation_params["temperature"] == 0.8
        assert 0 < outcome.generation_params["completion_tokens"] <= 12
        assert outcome.template_text == job.config["prompt_template"]
        # The tiny model has 256 positions: the prompt was shortened, keeping its end (the task).
        assert outcome.generation_params["prompt_shortened"] is True
        assert outcome.simulator_input.rstrip().endswith("Be concrete and neutral.")
        assert outcome.generation_params["prompt_tokens"] <= 256 - 12
    assert outcomes[0].generation_params["seed"] == 5


def test_long_prompts_are_shortened_to_fit_the_model(tiny_lm):
    policy = load_simulator(tiny_lm, device="cpu")
    long_request = OutcomeRequest(key=7, messages=[{"role": "user", "content": "cat dog bird " * 200}],
                                  response="The river is green. " * 50, hidden_context=HIDDEN)
    text, shortened = fit_prompt(policy.tokenizer, "Facts: {hidden_context}\n{conversation}\n{response}", long_request, 200)
    assert shortened is True
    assert _prompt_length(policy.tokenizer, text) <= 200
    assert text.startswith("Facts: ")


@pytest.mark.django_db
def test_an_explicit_model_path_wins_over_the_bootstrapped_policy(annotator, tiny_lm, tmp_path):
    project = make_project(annotator)
    bootstrap_policy(project, tiny_lm)
    other = tmp_path / "other-model"
    other.mkdir()
    config = simulation_config_clean(project=project, raw={"simulator": "model", "model_path": str(other)})
    assert config["model_path"] == str(other)


@pytest.mark.django_db
def test_responses_without_scenario_facts_fall_back_to_the_hidden_context(annotator):
    project = make_project(annotator)
    scenario = keyboard_scenario(facts={}, responses=["Just buy something nice."])
    import_scenarios(project, scenario, layout="single")
    simulate_with_template(project)
    outcome = SimulatedOutcome.objects.get(response=Response.objects.get())
    assert outcome.text == f"You did not pick any of the options. What you did not know then: {HIDDEN}"
