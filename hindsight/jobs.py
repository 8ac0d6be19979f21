"""The outcome-simulation job: its launch configuration (checked before anything is queued), the
body the Celery task `training.outcome_simulation` runs through `jobs.runtime.run_job`, and the
write of each simulated outcome as a new version with its provenance."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from annotation.models import Project, Response
from hindsight import selectors
from hindsight.config import OutcomeSimulationConfig
from hindsight.importer import CHOICE_KEY
from hindsight.models import SimulatedOutcome, SimulatorKind
from jobs.configs import config_clean
from jobs.models import JobKind, TrainingJob
from jobs.runtime import JobCancelled, JobReporter
from jobs.services import job_create
from verdict_ml.config import config_defaults, config_settings, config_to_dict
from verdict_ml.outcomes import OutcomeRequest, SimulatedText, load_simulator, model_outcomes, template_outcome, text_hash

logger = logging.getLogger(__name__)


def simulation_config_defaults() -> dict[str, Any]:
    return config_defaults(OutcomeSimulationConfig)


def _resolve_model_path(project: Project, given: str) -> str:
    path = given.strip() or selectors.bootstrapped_policy_path(project=project) or settings.VERDICT_POLICY_MODEL or ""
    if not path:
        raise ValidationError({"model_path": "No tiny policy has been bootstrapped for this project and VERDICT_POLICY_MODEL "
                                             "is empty: give a model folder or hub id (any AutoModelForCausalLM), or "
                                             "bootstrap the project's tiny policy first."})
    if path.startswith(("/", "./", "../", "~")) and not Path(path).expanduser().is_dir():
        raise ValidationError({"model_path": f"No model folder at {path}."})
    return path


def simulation_config_clean(*, project: Project, raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types, ranges and template fields checked, the model resolved; errors are keyed by setting."""
    if isinstance(raw, dict):
        # A null stands for the default, except where null is a setting's own value.
        nullable = {name for name, spec in config_settings(OutcomeSimulationConfig).items() if spec.nullable}
        raw = {name: value for name, value in raw.items() if value is not None or name in nullable}
    config = config_to_dict(config_clean(OutcomeSimulationConfig, raw))
    if config["simulator"] == SimulatorKind.MODEL:
        config["model_path"] = _resolve_model_path(project, config["model_path"])
    return config


def outcome_simulation_launch(*, project: Project, config: dict[str, Any], launched_by: AbstractBaseUser | None) -> TrainingJob:
    """Check the configuration and queue an outcome-simulation job (Celery queue `gpu`)."""
    clean = simulation_config_clean(project=project, raw=config)
    return job_create(project=project, kind=JobKind.OUTCOME_SIMULATION, config=clean, launched_by=launched_by)


def outcome_record(*, response: Response, simulated: SimulatedText, config: dict[str, Any], job_id: int | None) -> SimulatedOutcome:
    """Store a new outcome version of `response` (older versions are kept)."""
    kind = config["simulator"]
    template = config["prompt_template"] if kind == SimulatorKind.MODEL else "\n---\n".join(
        [config["outcome_template"], config["no_choice_template"]]
    )
    with transaction.atomic():
        # Lock the response so that two jobs regenerating it at once number their versions in turn.
        list(Response.objects.select_for_update().filter(pk=response.pk).values_list("pk", flat=True))
        latest = SimulatedOutcome.objects.filter(response=response).aggregate(v=Max("version"))["v"] or 0
        return SimulatedOutcome.objects.create(
            response=response,
            version=latest + 1,
            text=simulated.text,
            simulator=kind,
            model_path=config["model_path"] if kind == SimulatorKind.MODEL else "",
            template_text=template,
            template_hash=text_hash(template),
            simulator_input=simulated.simulator_input,
            generation_params=simulated.params,
            job_id=job_id,
        )


def _requests(responses: list[Response]) -> list[OutcomeRequest]:
    requests = []
    for response in responses:
        scenario = getattr(response.prompt, "scenario", None)
        requests.append(OutcomeRequest(
            key=response.pk,
            messages=response.prompt.messages,
            response=response.text,
            hidden_context=scenario.hidden_context if scenario else "",
            facts=scenario.facts if scenario else {},
            choice=(response.metadata or {}).get(CHOICE_KEY),
        ))
    return requests


def outcomes_simulate(
    *, project: Project, config: dict[str, Any], job_id: int | None = None, reporter: JobReporter | None = None
) -> dict[str, Any]:
    """Simulate outcomes for the project's responses in scope; used by the job and inline by commands."""
    responses = selectors.responses_to_simulate(project=project, scope=config["scope"], response_ids=config["response_ids"])
    by_id = {response.pk: response for response in responses}
    requests = _requests(responses)
    total = len(requests)
    if reporter:
        reporter.progress(0, total, stage=f"simulating {total} outcome(s) with the {config['simulator']} simulator")
    policy = None
    if config["simulator"] == SimulatorKind.MODEL and requests:
        if settings.VERDICT_TORCH_THREADS:
            import torch

            torch.set_num_threads(settings.VERDICT_TORCH_THREADS)
        if reporter:
            reporter.log(f"loading the simulator model {config['model_path']}")
        policy = load_simulator(config["model_path"], device=config["device"])
    done = 0
    for start in range(0, total, config["batch_size"]):
        if reporter and reporter.should_stop():
            raise JobCancelled()
        chunk = requests[start : start + config["batch_size"]]
        if policy is None:
            simulated = [
                template_outcome(r, template=config["outcome_template"], no_choice_template=config["no_choice_template"])
                for r in chunk
            ]
        else:
            seed = None if config["seed"] is None else config["seed"] + start
            simulated = model_outcomes(
                policy, chunk, prompt_template=config["prompt_template"], temperature=config["temperature"],
                top_p=config["top_p"], max_new_tokens=config["max_new_tokens"], seed=seed, batch_size=config["batch_size"],
            )
        for result in simulated:
            outcome_record(response=by_id[result.key], simulated=result, config=config, job_id=job_id)
        done += len(chunk)
        if reporter:
            reporter.progress(done, total)
    logger.info("simulated %d outcome(s) for project %s with the %s simulator", done, project.slug, config["simulator"])
    return {"outcomes": done, "simulator": config["simulator"], "model_path": config["model_path"], "scope": config["scope"]}


def outcome_simulation_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    """What `training.outcome_simulation` runs inside `run_job`."""
    return outcomes_simulate(project=job.project, config=job.config, job_id=job.pk, reporter=reporter)
