"""A model judge's labels never reach people: next-task still serves the item (its overlap counts
people only), "My annotations" lists only the annotator's own, and the review and adjudication queues
ignore them."""
import pytest

from annotation.models import Annotation, AnnotationSource
from annotation.selectors import annotations_of
from annotation.services import assignment_next
from quality.models import QualitySettings, ReviewMode
from quality.selectors import adjudication_queue, review_queue, reviewable_annotation
from tests.datasets_app.export_builders import annotate, pair, raters

pytestmark = pytest.mark.django_db
JUDGE = "judge #1: reward model rm (#1)"


def model_label(item, strength, judge=JUDGE):
    return Annotation.objects.create(item=item, source=AnnotationSource.MODEL, judge=judge, preference_strength=strength)


def test_a_judged_item_is_still_served_to_every_annotator(project, annotator, other_annotator):
    item = pair(project, "Q", "one", "two")
    for n in range(project.overlap + 1):
        model_label(item, 3, judge=f"judge #{n}")
    for person in (annotator, other_annotator):
        assignment = assignment_next(annotator=person, project=project)
        assert assignment is not None and assignment.item_id == item.pk
    item.refresh_from_db()
    assert item.completed_count == 0


def test_my_annotations_never_list_a_judges_label(project, annotator):
    item = pair(project, "Q", "one", "two")
    own = annotate(item, annotator, preference_strength=-1)
    model_label(item, 2)
    assert list(annotations_of(annotator=annotator, project=project)) == [own]


def test_review_and_adjudication_queues_ignore_judge_labels(project):
    QualitySettings.objects.update_or_create(project=project, defaults={"review_mode": ReviewMode.ALL})
    first, second = raters(2)
    agreed = pair(project, "Q1", "one", "two")
    annotate(agreed, first, preference_strength=-2)
    annotate(agreed, second, preference_strength=-1)
    label = model_label(agreed, 3)  # the opposite side: would make the item disagreeing
    only_model = pair(project, "Q2", "three", "four")
    model_label(only_model, -3)
    model_label(only_model, 3, judge="judge #2: LM")

    tasks = review_queue(project=project)
    assert {task.annotation.source for task in tasks} == {AnnotationSource.HUMAN}
    assert all("disagreeing" not in task.flags for task in tasks)
    assert reviewable_annotation(project=project, annotation_id=label.pk) is None
    assert adjudication_queue(project=project) == []
