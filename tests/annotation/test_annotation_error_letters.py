"""An error about a missing or out-of-range rating names the response by the letter the annotator saw
(annotation/services/submission.py `_apply_input` → `validate_annotation`'s slot labels): on a task shown swapped,
the second response shown ("B") is stored as response 1, and the message must still say "B"."""
import uuid

import pytest
from django.core.exceptions import ValidationError

from annotation import services
from annotation.models import Assignment
from tests.factories import ItemFactory


@pytest.fixture
def assignment(project, annotator):
    ItemFactory(project=project)
    return services.assignment_next(annotator=annotator, project=project)


def shown_as(assignment, *, swapped: bool):
    Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
    assignment.refresh_from_db()
    return assignment


def submit(assignment, annotator, scores):
    data = services.AnnotationInput(preference_strength=-1, attribute_scores=scores, justification="clear")
    services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)


@pytest.mark.parametrize("swapped", [False, True])
def test_a_missing_rating_names_the_response_by_its_shown_letter(assignment, annotator, swapped):
    """Guards: `_apply_input` passing no slot labels (the message then says "response 1") or labels
    worked out as if the task were not swapped (the message then names "A", the other response)."""
    assignment = shown_as(assignment, swapped=swapped)
    names = assignment.item.project.attribute_names
    with pytest.raises(ValidationError) as error:
        submit(assignment, annotator, {"A": dict.fromkeys(names, 3)})
    assert error.value.message_dict["attribute_scores"] == [f"Rate '{names[0]}' for response B."]


@pytest.mark.parametrize("swapped", [False, True])
def test_an_out_of_range_rating_names_the_response_by_its_shown_letter(assignment, annotator, swapped):
    """Guards: the same slot labels, for the out-of-range message."""
    assignment = shown_as(assignment, swapped=swapped)
    names = assignment.item.project.attribute_names
    scores = {"A": dict.fromkeys(names, 3), "B": dict.fromkeys(names, 3)}
    scores["B"]["coherence"] = 9
    with pytest.raises(ValidationError) as error:
        submit(assignment, annotator, scores)
    (message,) = error.value.message_dict["attribute_scores"]
    assert message.startswith("'coherence' for response B must be an integer from ")
