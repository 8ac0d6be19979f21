"""The per-annotator `progress.done` counter (`AnnotatorProgress`): counted up by each submit, read by
next-task, the hindsight workspace and the project list in one indexed lookup."""
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from annotation.models import Annotation, AnnotatorProgress, Project


def _counted(*, project_id: int, annotator: AbstractBaseUser) -> int:
    return Annotation.objects.filter(annotator=annotator, item__project_id=project_id).count()


def annotator_progress_count(*, project_id: int, annotator: AbstractBaseUser) -> None:
    """One more annotation by `annotator` in the project; call inside the transaction that stores it.
    The first one creates the counter from a count of the annotator's annotations (which sees the new
    one); a concurrent first submit that loses the race to create it counts itself up instead."""
    counter = AnnotatorProgress.objects.filter(project_id=project_id, annotator=annotator)
    if counter.update(done=F("done") + 1):
        return
    try:
        with transaction.atomic():
            AnnotatorProgress.objects.create(project_id=project_id, annotator=annotator, done=_counted(project_id=project_id, annotator=annotator))
    except IntegrityError:
        counter.update(done=F("done") + 1)


def annotators_done(*, projects: list[Project], annotator: AbstractBaseUser) -> dict[int, int]:
    """`done` for each of the projects, in one query; a project without a counter yet (the annotator
    never submitted there since the counters exist) is counted from its annotations."""
    done = dict(
        AnnotatorProgress.objects.filter(annotator=annotator, project__in=projects).values_list("project_id", "done")
    )
    for project in projects:
        if project.pk not in done:
            done[project.pk] = _counted(project_id=project.pk, annotator=annotator)
    return done


# The open-items count stops here: beyond it the number is shown as "1,000+", and counting further would
# make every recount cost what the whole queue costs (80 ms at 1M annotations, growing with the project).
OPEN_ITEMS_COUNT_CAP = 1000


def open_items_cache_key(*, project_id: int, annotator_id: int) -> str:
    """Where `selectors.open_items_count` keeps an annotator's number of open items."""
    return f"verdict:open-items:v3:{project_id}:{annotator_id}"


def open_items_taken(*, project_id: int, annotator_id: int) -> None:
    """Once the annotator's own submit or skip commits, take one off their cached open-items count: that
    item is no longer open to them, so the next task shows the new number without recounting the
    project's open items. Without a cached count there is nothing to adjust: the next read counts; a
    count above the cap ("more than the cap") is left for the next count to settle."""
    key = open_items_cache_key(project_id=project_id, annotator_id=annotator_id)

    def take_one() -> None:
        try:
            left = cache.decr(key)
        except ValueError:  # not cached (or expired)
            return
        if left < 0:
            cache.set(key, 0)
        elif left == OPEN_ITEMS_COUNT_CAP:  # it was cap + 1, "more than the cap": it stays that
            cache.incr(key)

    transaction.on_commit(take_one)
