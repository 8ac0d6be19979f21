import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotation import services
from annotation.models import Annotation, Assignment, AssignmentState, Item
from tests.factories import ItemFactory, attribute_scores_for


@pytest.fixture
def assignment(project, annotator):
    ItemFactory(project=project)
    return services.assignment_next(annotator=annotator, project=project)


def payload(item, **overrides):
    data = {"preference_strength": -1, "attribute_scores": attribute_scores_for(item), "justification": ""}
    data.update(overrides)
    return services.AnnotationInput(**data)


def test_submitting_twice_with_the_same_client_id_stores_one_annotation(assignment, annotator):
    client_id = uuid.uuid4()
    first, created = services.annotation_submit(annotator=annotator, assignment=assignment, client_id=client_id, data=payload(assignment.item))
    again, created_again = services.annotation_submit(annotator=annotator, assignment=assignment, client_id=client_id, data=payload(assignment.item))
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Annotation.objects.count() == 1
    assert Item.objects.get(pk=assignment.item_id).completed_count == 1


def test_a_second_submit_with_a_new_client_id_is_refused(assignment, annotator):
    services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item))
    with pytest.raises(services.AssignmentConflict):
        services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item))


@pytest.mark.parametrize(("swapped", "shown", "stored"), [(False, -3, -3), (True, -3, 3), (True, 2, -2)])
def test_strength_is_stored_in_canonical_order(assignment, annotator, swapped, shown, stored):
    Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
    assignment.refresh_from_db()
    annotation, _ = services.annotation_submit(
        annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item, preference_strength=shown, justification="clear")
    )
    assert annotation.preference_strength == stored


def test_attribute_scores_are_stored_by_response_slot(assignment, annotator):
    item = assignment.item
    slot_of_1, slot_of_2 = ("B", "A") if assignment.swapped else ("A", "B")
    scores = {slot_of_1: dict.fromkeys(item.project.attribute_names, 4), slot_of_2: dict.fromkeys(item.project.attribute_names, 1)}
    annotation, _ = services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(item, attribute_scores=scores))
    assert annotation.attribute_scores["1"]["helpfulness"] == 4
    assert annotation.attribute_scores["2"]["verbosity"] == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"preference_strength": None}, "preference_strength"),
        ({"preference_strength": 4}, "preference_strength"),
        ({"preference_strength": 2, "justification": "  "}, "justification"),
        ({"attribute_scores": {}}, "attribute_scores"),
    ],
)
def test_incomplete_or_out_of_range_annotations_are_rejected(assignment, annotator, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item, **overrides))
    assert field in error.value.message_dict
    assert Annotation.objects.count() == 0
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.LEASED


def test_out_of_range_attribute_is_rejected(assignment, annotator):
    scores = attribute_scores_for(assignment.item)
    scores["A"]["coherence"] = 5
    with pytest.raises(ValidationError, match="coherence"):
        services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item, attribute_scores=scores))


def test_neither_acceptable_needs_no_preference(assignment, annotator):
    annotation, _ = services.annotation_submit(
        annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item, preference_strength=None, neither_acceptable=True)
    )
    assert annotation.neither_acceptable and annotation.preference_strength is None


def test_an_annotator_revises_their_own_annotation(assignment, annotator):
    annotation, _ = services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item))
    revised = services.annotation_revise(annotator=annotator, annotation=annotation, data=payload(assignment.item, preference_strength=0))
    assert revised.preference_strength == 0
    assert Annotation.objects.count() == 1


def test_nobody_revises_or_submits_for_someone_else(assignment, annotator, other_annotator):
    with pytest.raises(PermissionDenied):
        services.annotation_submit(annotator=other_annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item))
    annotation, _ = services.annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item))
    with pytest.raises(PermissionDenied):
        services.annotation_revise(annotator=other_annotator, annotation=annotation, data=payload(assignment.item))


def test_likert_only_project_takes_single_responses(project, annotator):
    project.task_types = ["likert"]
    project.save()
    ItemFactory(project=project, response_2=None)
    assignment = services.assignment_next(annotator=annotator, project=project)
    assert not assignment.swapped
    annotation, _ = services.annotation_submit(
        annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=payload(assignment.item, preference_strength=None)
    )
    assert set(annotation.attribute_scores) == {"1"}
