from datetime import timedelta

import pytest
from django.utils import timezone

from annotation import services
from annotation.models import Assignment, AssignmentState
from tests.factories import ItemFactory, MembershipFactory, UserFactory, attribute_scores_for


def submit(annotator, assignment, strength=-1):
    import uuid

    return services.annotation_submit(
        annotator=annotator,
        assignment=assignment,
        client_id=uuid.uuid4(),
        data=services.AnnotationInput(
            preference_strength=strength, attribute_scores=attribute_scores_for(assignment.item), justification="ok"
        ),
    )


def test_next_task_returns_the_least_annotated_item_first(project, items, annotator, other_annotator):
    first = services.assignment_next(annotator=other_annotator, project=project)
    submit(other_annotator, first)
    mine = services.assignment_next(annotator=annotator, project=project)
    assert mine.item != first.item
    assert mine.state == AssignmentState.LEASED


def test_an_item_is_not_served_twice_to_the_same_annotator(project, annotator):
    item = ItemFactory(project=project)
    assignment = services.assignment_next(annotator=annotator, project=project)
    submit(annotator, assignment)
    assert assignment.item == item
    assert services.assignment_next(annotator=annotator, project=project) is None


def test_an_item_is_never_leased_beyond_its_overlap(project, annotator, other_annotator):
    project.overlap = 1
    project.save()
    ItemFactory(project=project)
    assert services.assignment_next(annotator=annotator, project=project) is not None
    assert services.assignment_next(annotator=other_annotator, project=project) is None


def test_an_expired_lease_returns_the_item_to_the_queue(project, annotator, other_annotator):
    project.overlap = 1
    project.save()
    ItemFactory(project=project)
    assignment = services.assignment_next(annotator=annotator, project=project)
    Assignment.objects.filter(pk=assignment.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    taken = services.assignment_next(annotator=other_annotator, project=project)
    assert taken is not None and taken.item == assignment.item


def test_holding_the_lease_limit_stops_new_leases(project, items, annotator):
    project.max_active_leases = 2
    project.save()
    first = services.assignment_next(annotator=annotator, project=project)
    second = services.assignment_next(annotator=annotator, project=project, exclude_assignment_ids=(first.pk,))
    assert second.item != first.item
    with pytest.raises(services.LeaseLimitReached):
        services.assignment_next(annotator=annotator, project=project, exclude_assignment_ids=(first.pk, second.pk))


def test_next_task_resumes_the_task_already_held(project, items, annotator):
    first = services.assignment_next(annotator=annotator, project=project)
    assert services.assignment_next(annotator=annotator, project=project) == first


def test_skipped_items_are_not_served_again(project, annotator):
    ItemFactory(project=project)
    assignment = services.assignment_next(annotator=annotator, project=project)
    services.assignment_skip(assignment=assignment, annotator=annotator, reason="unsafe", note="graphic")
    assert services.assignment_next(annotator=annotator, project=project) is None
    assignment.refresh_from_db()
    assert (assignment.skip_reason, assignment.skip_note) == ("unsafe", "graphic")


def test_gold_items_are_mixed_in_at_the_configured_rate(project, items, annotator):
    project.gold_rate = 1.0
    project.save()
    gold = ItemFactory(project=project, is_gold=True, gold_strength=-2)
    assignment = services.assignment_next(annotator=annotator, project=project)
    assert assignment.item == gold


def test_display_order_is_randomised_and_recorded(project, annotator):
    for _ in range(30):
        ItemFactory(project=project)
    swaps = set()
    for _ in range(30):
        assignment = services.assignment_next(annotator=annotator, project=project)
        swaps.add(assignment.swapped)
        submit(annotator, assignment)
    assert swaps == {True, False}


def test_members_of_other_projects_get_nothing_from_this_one(project, items):
    outsider = UserFactory(username="outsider", role="annotator")
    other = MembershipFactory(user=outsider).project
    assert services.assignment_next(annotator=outsider, project=other) is None
