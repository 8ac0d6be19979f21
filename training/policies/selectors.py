"""Reads of the policy registry."""
from django.db.models import QuerySet

from annotation.models import Project
from training.policies.models import PolicyCheckpoint


def checkpoints_for_project(*, project: Project) -> QuerySet[PolicyCheckpoint]:
    return PolicyCheckpoint.objects.filter(project=project).select_related("parent", "created_by_job")


def held_out_share_limit(checkpoint: PolicyCheckpoint) -> tuple[float, PolicyCheckpoint] | None:
    """The smallest `eval_fraction` any job in the checkpoint's lineage (itself, its parent, …) trained
    with, and the checkpoint that job made; None when no job of the lineage recorded one (an external
    model). A held-out pool with a larger share would hold prompts some ancestor trained on: the pool
    is the prompts whose position lies below the share, and training used the rest."""
    limit: tuple[float, PolicyCheckpoint] | None = None
    seen: set[int] = set()
    current: PolicyCheckpoint | None = checkpoint
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        job = current.created_by_job
        share = (job.config or {}).get("eval_fraction") if job is not None else None
        if isinstance(share, int | float) and (limit is None or share < limit[0]):
            limit = (float(share), current)
        current = PolicyCheckpoint.objects.select_related("created_by_job").filter(pk=current.parent_id).first() if current.parent_id else None
    return limit


def held_out_share_problem(checkpoints: list[PolicyCheckpoint], eval_fraction: float) -> str | None:
    """Why `eval_fraction` would evaluate one of the checkpoints on prompts its lineage trained on, or None."""
    for checkpoint in checkpoints:
        limit = held_out_share_limit(checkpoint)
        if limit is not None and eval_fraction > limit[0]:
            share, source = limit
            return (
                f"Must be at most {share:g}: checkpoint #{source.pk} ({source.name}), in the lineage of #{checkpoint.pk}, "
                f"was trained with eval_fraction {share:g}, so a larger held-out share holds prompts it trained on."
            )
    return None
