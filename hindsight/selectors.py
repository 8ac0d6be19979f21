"""Reads of the hindsight feature: what to simulate, the newest outcomes, the dashboard statistics,
hindsight-derived preference pairs and the export groups."""
from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from annotation.models import Item, Project, Response
from hindsight.export_rows import HindsightGroup, HindsightJudgementRecord, OutcomeShown
from hindsight.models import HindsightJudgement, SimulatedOutcome
from hindsight.stats import JudgementRow, ResponseInfo, gap_statistics, preference_pairs
from jobs.models import Artifact, JobKind, JobStatus, TrainingJob


def bootstrapped_policy_path(*, project: Project) -> str | None:
    """The project's newest bootstrapped tiny policy, if any: the ready `policy` artifact of its latest
    succeeded bootstrap job (the folder the policy registry's checkpoint points at too)."""
    artifact = (
        Artifact.objects.filter(
            job__project=project, job__kind=JobKind.BOOTSTRAP_POLICY, job__status=JobStatus.SUCCEEDED, name="policy",
            ready=True,
        )
        .order_by("-job__created_at", "-job__pk")
        .first()
    )
    return artifact.path if artifact else None


def project_responses(*, project: Project) -> QuerySet[Response]:
    """Responses that appear in the project's items."""
    in_items = Item.objects.filter(project=project).filter(Q(response_1=OuterRef("pk")) | Q(response_2=OuterRef("pk")))
    return Response.objects.filter(prompt__project=project).filter(Exists(in_items))


def responses_to_simulate(*, project: Project, scope: str, response_ids: list[int] | None = None) -> list[Response]:
    responses = project_responses(project=project).select_related("prompt", "prompt__scenario")
    if response_ids is not None:
        responses = responses.filter(pk__in=response_ids)
    if scope == "missing":
        responses = responses.exclude(Exists(SimulatedOutcome.objects.filter(response=OuterRef("pk"))))
    return list(responses.order_by("pk"))


def latest_outcomes(*, response_ids: list[int]) -> dict[int, SimulatedOutcome]:
    """The newest outcome version of each response that has one."""
    latest: dict[int, SimulatedOutcome] = {}
    for outcome in SimulatedOutcome.objects.filter(response_id__in=response_ids).order_by("response_id", "-version"):
        latest.setdefault(outcome.response_id, outcome)
    return latest


def outcome_versions(*, response: Response) -> QuerySet[SimulatedOutcome]:
    return SimulatedOutcome.objects.filter(response=response).order_by("-version")


def outcome_coverage(*, project: Project) -> dict[str, int]:
    """Responses with an outcome, and outcomes written without a job (`import_scenarios --simulate-template`,
    as the demo does), which the page's job list cannot show."""
    responses = project_responses(project=project)
    with_outcome = responses.filter(Exists(SimulatedOutcome.objects.filter(response=OuterRef("pk")))).count()
    without_job = SimulatedOutcome.objects.filter(response__in=responses, job_id__isnull=True).count()
    return {"responses": responses.count(), "with_outcome": with_outcome, "without_job": without_job}


def simulation_jobs(*, project: Project) -> QuerySet[TrainingJob]:
    return TrainingJob.objects.filter(project=project, kind=JobKind.OUTCOME_SIMULATION).order_by("-created_at", "-pk")


def last_simulation_config(*, project: Project) -> dict[str, Any] | None:
    """The configuration of the project's newest simulation job: the launch form starts from it, so an
    edited prompt template stays the project's template."""
    job = simulation_jobs(project=project).first()
    return dict(job.config) if job else None


def judgement_for(*, assignment_id: int) -> HindsightJudgement | None:
    return HindsightJudgement.objects.filter(assignment_id=assignment_id).select_related("outcome_1", "outcome_2").first()


def _completed(project: Project) -> QuerySet[HindsightJudgement]:
    return (
        HindsightJudgement.objects.filter(item__project=project, hindsight_rating__isnull=False)
        .select_related("item__prompt", "item__response_1", "item__response_2", "item__prompt__scenario",
                        "outcome_1", "outcome_2", "annotator")
        .order_by("item_id", "pk")
    )


def _info(response: Response | None) -> ResponseInfo | None:
    if response is None:
        return None
    return ResponseInfo(response.pk, response.text, response.model_name, response.checkpoint, response.round)


def judgement_rows(*, project: Project) -> list[JudgementRow]:
    return [
        JudgementRow(
            item_id=j.item_id, prompt_id=j.item.prompt_id, messages=j.item.prompt.messages,
            response_1=_info(j.item.response_1), response_2=_info(j.item.response_2),
            foresight=j.foresight_rating, hindsight=j.hindsight_rating, keep=j.keep,
        )
        for j in _completed(project)
    ]


def hindsight_dashboard(*, project: Project) -> dict[str, Any]:
    """Gap per response (Goodhart signal first), per model/checkpoint/round, overall; progress."""
    stats = gap_statistics(judgement_rows(project=project))
    judgements = HindsightJudgement.objects.filter(item__project=project)
    stats["progress"] = {
        "items": Item.objects.filter(project=project).count(),
        "foresight": judgements.count(),
        "revealed": judgements.filter(revealed_at__isnull=False).count(),
        "complete": judgements.filter(hindsight_rating__isnull=False).count(),
    }
    stats["coverage"] = outcome_coverage(project=project)
    return stats


def hindsight_preference_pairs(*, project: Project, label_source: str = "hindsight") -> list[dict[str, Any]]:
    """PreferencePair-like dicts {prompt, chosen, rejected, strength, …} for reward-model and DPO jobs,
    labelled by the foresight or the hindsight ratings of the completed judgements."""
    return preference_pairs(judgement_rows(project=project), label_source=label_source)


def _shown(outcome: SimulatedOutcome | None) -> OutcomeShown | None:
    if outcome is None:
        return None
    return OutcomeShown(outcome.text, outcome.version, outcome.simulator, outcome.model_path,
                        outcome.template_hash, outcome.generation_params)


def hindsight_export_groups(*, project: Project) -> list[HindsightGroup]:
    """One group per item with completed judgements, for `export_rows.hindsight_rows`. Annotators are
    given by username; the exporter pseudonymises them as it does for other formats."""
    groups: dict[int, HindsightGroup] = {}
    for j in _completed(project):
        item = j.item
        if item.pk not in groups:
            scenario = getattr(item.prompt, "scenario", None)
            names = (item.response_1.model_name,) + ((item.response_2.model_name,) if item.response_2_id else ())
            groups[item.pk] = HindsightGroup(
                item_id=item.pk, messages=item.prompt.messages,
                hidden_context=scenario.hidden_context if scenario else "",
                response_1=item.response_1.text, response_2=item.response_2.text if item.response_2_id else None,
                model_names=names, round=item.round, judgements=[],
            )
        groups[item.pk].judgements.append(HindsightJudgementRecord(
            annotator=j.annotator.username if j.annotator else None,
            foresight_rating=j.foresight_rating, hindsight_rating=j.hindsight_rating,
            justification=j.justification, keep=j.keep,
            foresight_at=j.foresight_at.isoformat(), revealed_at=j.revealed_at.isoformat(),
            hindsight_at=j.hindsight_at.isoformat(),
            outcome_1=_shown(j.outcome_1), outcome_2=_shown(j.outcome_2),
        ))
    return list(groups.values())
