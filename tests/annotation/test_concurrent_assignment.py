"""Many annotators at once against PostgreSQL's row locks: no item ever goes over its overlap."""
import os
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection, connections

from annotation import services
from annotation.models import Annotation, Assignment, AssignmentState
from tests.factories import ItemFactory, MembershipFactory, ProjectFactory, UserFactory, attribute_scores_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def require_postgres():
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (set DATABASE_URL=postgres://…); row locking is what is under test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def run_in_threads(workers, target):
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def body(worker):
        try:
            barrier.wait()
            target(worker)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_simultaneous_requests_for_the_last_slot_give_it_to_exactly_one_annotator():
    project = ProjectFactory(overlap=1)
    ItemFactory(project=project)
    annotators = [UserFactory(username=f"racer{i}", role="annotator") for i in range(12)]
    for annotator in annotators:
        MembershipFactory(project=project, user=annotator)
    winners: list[int] = []

    def grab(annotator):
        if services.assignment_next(annotator=annotator, project=project) is not None:
            winners.append(annotator.pk)

    run_in_threads(annotators, grab)
    assert len(winners) == 1
    assert Assignment.objects.filter(state=AssignmentState.LEASED).count() == 1


def test_many_annotators_working_through_a_queue_never_exceed_the_overlap():
    project = ProjectFactory(overlap=3, max_active_leases=1)
    items = ItemFactory.create_batch(40, project=project)
    annotators = [UserFactory(username=f"worker{i}", role="annotator") for i in range(10)]
    for annotator in annotators:
        MembershipFactory(project=project, user=annotator)

    def work(annotator):
        while (assignment := services.assignment_next(annotator=annotator, project=project)) is not None:
            services.annotation_submit(
                annotator=annotator,
                assignment=assignment,
                client_id=uuid.uuid4(),
                data=services.AnnotationInput(
                    preference_strength=1, attribute_scores=attribute_scores_for(assignment.item), justification=""
                ),
            )

    run_in_threads(annotators, work)
    per_item = Counter(Annotation.objects.values_list("item_id", flat=True))
    assert max(per_item.values()) == 3
    assert all(per_item[item.pk] == 3 for item in items), "every item reaches its overlap exactly"
    pairs = list(Annotation.objects.values_list("item_id", "annotator_id"))
    assert len(pairs) == len(set(pairs)), "no annotator annotated an item twice"
