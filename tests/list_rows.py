"""Many rows of every listed kind, written with bulk_create: the list-page tests use tens of them,
`benchmarks/lists.py` tens of thousands. Statuses, kinds and names vary so filters and search match
some rows and not others."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotation.models import Annotation, Item, Membership, Project, Prompt, Response
from datasets_app.models import DatasetFormat, DatasetStatus, ImportFormat, ImportRecord, ImportStatus
from datasets_app.models.exports import DatasetVersion
from jobs.models import JobKind, JobStatus, TrainingJob
from training.online_dpo.models import OnlineRound, OnlineRun, RunMode
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardModel

BATCH = 1000
JOB_STATUSES = [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.CANCELLED]
IMPORT_FORMATS = [ImportFormat.JSONL, ImportFormat.CSV, ImportFormat.HH_RLHF]
EXPORT_FORMATS = [DatasetFormat.TRL_PREFERENCE, DatasetFormat.INDIVIDUAL, DatasetFormat.HELPSTEER2_PREFERENCE]
OBJECTIVES = ["bt", "margin_bt", "regression"]


def _create(model: type, rows: list[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def make_projects(project: Project | None, user: Any, n: int) -> list[Project]:
    projects = _create(Project, [Project(name=f"{'Support' if i % 4 == 0 else 'Research'} project {i}", slug=f"listed-{i}") for i in range(n)])
    _create(Membership, [Membership(project=project, user=user) for project in projects])
    return projects


def make_imports(project: Project, user: Any, n: int) -> None:
    _create(ImportRecord, [
        ImportRecord(
            project=project, file_name=f"{'batch' if i % 5 else 'night'}-{i}.jsonl", format=IMPORT_FORMATS[i % 3],
            status=ImportStatus.FAILED if i % 7 == 0 else ImportStatus.SUCCEEDED, rows_read=10, items_created=10,
            created_by=user,
        )
        for i in range(n)
    ])


def make_versions(project: Project, user: Any, n: int) -> None:
    _create(DatasetVersion, [
        DatasetVersion(
            project=project, version=i + 1, format=EXPORT_FORMATS[i % 3],
            status=DatasetStatus.FAILED if i % 6 == 0 else DatasetStatus.READY, progress=1.0,
            row_counts={"train": 10, "validation": 2}, created_by=user,
            files=[{"path": "README.md", "size": 1, "sha256": "0" * 64}],
        )
        for i in range(n)
    ])


def _jobs(project: Project, user: Any, n: int, kind: str) -> list[TrainingJob]:
    return _create(TrainingJob, [
        TrainingJob(project=project, kind=kind, status=JOB_STATUSES[i % 5], stage="done", launched_by=user, config={"objective": "bt"})
        for i in range(n)
    ])


def make_jobs(project: Project, user: Any, n: int) -> None:
    _jobs(project, user, n, JobKind.REWARD_MODEL)


def make_reward_models(project: Project, user: Any, n: int) -> None:
    jobs = _jobs(project, user, n, JobKind.REWARD_MODEL)
    _create(RewardModel, [
        RewardModel(
            project=project, job=job, name=f"{OBJECTIVES[i % 3]} · job {job.pk}", path=f"/models/{job.pk}",
            base_model="minilm" if i % 2 else "deberta", objective=OBJECTIVES[i % 3], metrics={"val_accuracy": 0.6},
        )
        for i, job in enumerate(jobs)
    ])


def make_rounds(project: Project, user: Any, n: int) -> None:
    start = PolicyCheckpoint.objects.create(project=project, name="tiny initial", base_model="tiny", path="/tiny")
    runs = {mode: OnlineRun.objects.create(project=project, config={"mode": mode}, rounds_requested=n,
                                           initial_checkpoint=start, launched_by=user)
            for mode in RunMode.values}
    jobs = _jobs(project, user, n, JobKind.ONLINE_DPO)
    _create(OnlineRound, [
        OnlineRound(run=runs[RunMode.values[i % 2]], project=project, index=i + 1, number=i + 1, job=job, start_checkpoint=start,
                    mean_reward=0.1 * (i % 10), win_rate=0.5, kl=0.2, mean_length=8.0)
        for i, job in enumerate(jobs)
    ])


def make_annotations(project: Project, annotator: Any, n: int) -> None:
    prompts = _create(Prompt, [
        Prompt(project=project, messages=[{"role": "user", "content": f"Question {i}?"}], content_hash=f"{i:064x}") for i in range(n)
    ])
    responses = _create(Response, [
        Response(prompt=prompt, text=f"Answer {side} to {i}.", content_hash=f"{side}{i:063x}")
        for i, prompt in enumerate(prompts) for side in (1, 2)
    ])
    items = _create(Item, [
        Item(project=project, prompt=prompt, response_1=responses[2 * i], response_2=responses[2 * i + 1], completed_count=1)
        for i, prompt in enumerate(prompts)
    ])
    _create(Annotation, [
        Annotation(item=item, annotator=annotator, preference_strength=(i % 7) - 3,
                   justification=f"{'Clear' if i % 3 else 'Vague'} answer {i}.")
        for i, item in enumerate(items)
    ])


# Each list page: what builds its rows, its URL, and a filter that keeps some rows and drops others.
LISTS: dict[str, tuple[Callable[..., Any], str, dict[str, str]]] = {
    "projects": (make_projects, "/", {"q": "support"}),
    "imports": (make_imports, "/projects/{slug}/import/", {"status": "failed"}),
    "dataset versions": (make_versions, "/projects/{slug}/datasets/", {"format": "individual"}),
    "jobs": (make_jobs, "/projects/{slug}/training/", {"status": "failed"}),
    "reward models": (make_reward_models, "/projects/{slug}/reward-models/", {"objective": "regression"}),
    "rounds": (make_rounds, "/projects/{slug}/rounds/", {"mode": "human"}),
    "annotations": (make_annotations, "/projects/{slug}/mine/", {"q": "vague"}),
}
