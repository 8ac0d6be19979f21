"""The display swap at submission, revision and read-back: an annotator sees the responses in a random
order and answers in that order ("A" = shown first, negative strength = the first shown is better);
what is stored is always in the item's own order (response_1, response_2), and what is shown back is
turned into the order that annotator saw. Each case runs both ways round, so none passes by the luck
of the random swap."""
import uuid

import pytest
from django.core.exceptions import ValidationError

from annotation import services
from annotation.models import Annotation, Assignment
from tests.factories import ItemFactory


@pytest.fixture
def leased(project, annotator):
    """The annotator's lease on one pair, with the swap fixed by the test."""
    ItemFactory(project=project)
    assignment = services.assignment_next(annotator=annotator, project=project)

    def with_swap(swapped: bool) -> Assignment:
        Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
        assignment.refresh_from_db()
        return assignment

    return with_swap


def _scores(project, first: int, second: int) -> dict[str, dict[str, int]]:
    return {"A": dict.fromkeys(project.attribute_names, first), "B": dict.fromkeys(project.attribute_names, second)}


def _submit(assignment: Assignment, annotator, **fields):
    data = services.AnnotationInput(**{"preference_strength": -1, "justification": "clear", **fields})
    return services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)[0]


@pytest.mark.parametrize("swapped", [False, True])
def test_the_responses_are_shown_in_the_swapped_order(leased, swapped):
    """Guards: displayed_responses ignoring the swap, or swapping when it should not."""
    item = leased(swapped).item
    shown = services.displayed_responses(item, swapped)
    assert shown == ([item.response_2, item.response_1] if swapped else [item.response_1, item.response_2])


@pytest.mark.parametrize("swapped", [False, True])
def test_scores_for_the_first_shown_response_are_stored_for_that_response(leased, annotator, project, swapped):
    """Guards: _canonical_slots mapping "A" to response_1 whatever the swap (or always reversing)."""
    assignment = leased(swapped)
    annotation = _submit(assignment, annotator, attribute_scores=_scores(project, 4, 1))
    first_shown, second_shown = ("2", "1") if swapped else ("1", "2")
    assert set(annotation.attribute_scores[first_shown].values()) == {4}
    assert set(annotation.attribute_scores[second_shown].values()) == {1}


@pytest.mark.parametrize(("swapped", "shown", "stored"), [(False, -2, -2), (True, -2, 2), (True, 3, -3)])
def test_a_revision_is_stored_in_the_items_order_as_the_submission_was(leased, annotator, project, swapped, shown, stored):
    """Guards: annotation_revise reading the wrong swap (or none) for the annotator's assignment, so a
    corrected preference on a swapped task would be stored the wrong way round."""
    assignment = leased(swapped)
    annotation = _submit(assignment, annotator, preference_strength=1, attribute_scores=_scores(project, 2, 2))
    revised = services.annotation_revise(
        annotator=annotator, annotation=annotation,
        data=services.AnnotationInput(preference_strength=shown, justification="on reflection", attribute_scores=_scores(project, 4, 0)),
    )
    assert revised.preference_strength == stored
    first_shown = "2" if swapped else "1"
    assert set(revised.attribute_scores[first_shown].values()) == {4}


@pytest.mark.parametrize("swapped", [False, True])
def test_a_stored_annotation_is_shown_back_as_it_was_entered(leased, annotator, project, swapped):
    """Guards: as_shown not undoing the swap (the annotator's own answer would come back mirrored on
    the revise page, and a re-save would store the opposite preference)."""
    assignment = leased(swapped)
    annotation = _submit(assignment, annotator, preference_strength=-3, attribute_scores=_scores(project, 4, 0))
    strength, scores = services.as_shown(
        item=assignment.item, swapped=swapped, strength=annotation.preference_strength, scores=annotation.attribute_scores
    )
    assert strength == -3
    assert set(scores["A"].values()) == {4} and set(scores["B"].values()) == {0}


@pytest.mark.parametrize("swapped", [False, True])
def test_a_filled_annotation_follows_the_swap_it_is_given(leased, annotator, project, swapped):
    """Guards: annotation_fill (a reviewer's correction) passing another swap than the one it is given."""
    item = leased(swapped).item
    correction = Annotation(item=item, annotator=annotator)
    services.annotation_fill(
        annotation=correction, swapped=swapped,
        data=services.AnnotationInput(preference_strength=-2, justification="clear", attribute_scores=_scores(project, 4, 1)),
    )
    assert correction.preference_strength == (2 if swapped else -2)
    assert set(correction.attribute_scores["2" if swapped else "1"].values()) == {4}


@pytest.mark.parametrize("swapped", [False, True])
def test_a_single_response_is_shown_alone_and_rated_only_as_a(project, annotator, swapped):
    """Guards: displayed_responses or _canonical_slots treating a single-response task as a pair (an
    empty second response shown, and a rating for a "B" that does not exist stored as response 2's)."""
    item = ItemFactory(project=project, response_2=None)
    assert services.displayed_responses(item, swapped) == [item.response_1]
    correction = Annotation(item=item, annotator=annotator)
    scores = {"A": dict.fromkeys(project.attribute_names, 3), "B": dict.fromkeys(project.attribute_names, 1)}
    with pytest.raises(ValidationError, match="'B' is not one"):
        services.annotation_fill(annotation=correction, swapped=swapped, data=services.AnnotationInput(attribute_scores=scores))
