"""The time an annotator spent on a task is stored with the annotation, on submit and on revision
(annotation/services/submission.py `_apply_input`)."""
import uuid

import pytest

from annotation import services
from annotation.models import Annotation
from tests.factories import ItemFactory, attribute_scores_for


@pytest.fixture
def assignment(project, annotator):
    ItemFactory(project=project)
    return services.assignment_next(annotator=annotator, project=project)


def payload(item, seconds):
    return services.AnnotationInput(preference_strength=-1, attribute_scores=attribute_scores_for(item), time_spent_seconds=seconds)


def test_the_time_spent_is_stored_on_submit_and_on_revision(assignment, annotator):
    """Guards: `_apply_input` dropping `time_spent_seconds` (stored as NULL)."""
    annotation, _ = services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(),
                                               data=payload(assignment.item, 42.5))
    assert Annotation.objects.get(pk=annotation.pk).time_spent_seconds == 42.5
    services.annotation_revise(annotator=annotator, annotation=annotation, data=payload(assignment.item, 61.0))
    assert Annotation.objects.get(pk=annotation.pk).time_spent_seconds == 61.0
