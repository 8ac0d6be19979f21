"""A vote becomes a battle outcome by the stored order: whatever order the voter saw (the workspace
draws it at random per assignment), the contestant whose response they preferred wins; a tie is a tie,
and "neither acceptable" without a preference is a tie (both bad)."""
import uuid

import pytest

from annotation.models import Item
from annotation.services import AnnotationInput, annotation_submit, assignment_next
from datasets_app.exports.builders.battles import MODEL_A, MODEL_B, TIE, TIE_BOTHBAD, battle_winner
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts
from training.arena.job_body import arena_execute
from training.arena.leaderboard import leaderboard_payload
from training.arena.models import ArenaBattle
from training.arena.selectors import battle_votes
from training.arena.services import arena_launch
from training.policies.pools import EVAL_POOL


@pytest.mark.parametrize(
    ("strength", "neither", "winner"),
    [(-3, False, MODEL_A), (-1, False, MODEL_A), (1, False, MODEL_B), (3, False, MODEL_B), (0, False, TIE),
     (0, True, TIE_BOTHBAD), (None, True, TIE_BOTHBAD), (-2, True, MODEL_A), (2, True, MODEL_B), (None, False, None)],
)
def test_stored_votes_map_to_outcomes(strength, neither, winner):
    assert battle_winner(strength, neither) == winner


@pytest.fixture
def arena_world(db):
    annotator = UserFactory(username="voter", role="annotator")
    admin = UserFactory(username="arena-admin", role="admin")
    project = ProjectFactory(slug="arena", overlap=1, task_types=["pairwise"], max_active_leases=50, justification_min_strength=4)
    MembershipFactory(project=project, user=annotator)
    pools = pinned_prompts(project, held_out=40, training=0)
    imported_answers(pools[EVAL_POOL])
    arena = arena_launch(project=project, checkpoint_ids=[], model_names=list(MODELS), config={"prompts": 40},
                         launched_by=admin, enqueue=False)
    arena_execute(arena.job_id, task_id="test")
    return project, annotator, arena


def _vote_as_shown(annotator, project, *, swapped: bool, strength: int | None, neither: bool = False) -> Item:
    """Lease the next battle, show it in the given order (as the workspace's draw would), and vote."""
    assignment = assignment_next(annotator=annotator, project=project)
    assignment.swapped = swapped
    assignment.save(update_fields=["swapped"])
    data = AnnotationInput(preference_strength=strength, neither_acceptable=neither)
    annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)
    return assignment.item


@pytest.mark.parametrize("swapped", [False, True])
def test_the_contestant_shown_first_wins_a_vote_for_the_first_shown(arena_world, swapped):
    """Guards: the display swap leaking into outcomes (the winner taken from the order shown, not stored)."""
    project, annotator, _ = arena_world
    item = _vote_as_shown(annotator, project, swapped=swapped, strength=-2)

    battle = ArenaBattle.objects.get(item=item)
    shown_first = battle.model_2 if swapped else battle.model_1
    payload = leaderboard_payload(project=project)
    (vote,) = battle_votes(project=project)
    assert battle_winner(vote.strength, vote.neither_acceptable) == (MODEL_B if swapped else MODEL_A)
    assert payload["players"][0]["model"] == shown_first and payload["players"][0]["wins"] == 1
    assert payload["outcomes"] == {MODEL_B if swapped else MODEL_A: 1}


def test_ties_and_both_bad_are_half_wins(arena_world):
    """Guards: ties or "neither acceptable" dropped, or counted as a win for one side."""
    project, annotator, _ = arena_world
    _vote_as_shown(annotator, project, swapped=True, strength=0)
    _vote_as_shown(annotator, project, swapped=False, strength=0, neither=True)

    payload = leaderboard_payload(project=project)

    assert payload["outcomes"] == {TIE: 1, TIE_BOTHBAD: 1}
    assert [row["wins"] for row in payload["players"]] == [1.0, 1.0]
    assert payload["win_rate"] == [[None, 0.5], [0.5, None]] and payload["battle_counts"] == [[0, 2], [2, 0]]


def test_the_workspace_shows_battles_in_random_order(arena_world):
    """Guards: battles always shown in stored order (a position bias the arena could not undo)."""
    project, annotator, _ = arena_world
    swaps = []
    for _ in range(40):
        assignment = assignment_next(annotator=annotator, project=project)
        swaps.append(assignment.swapped)
        annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=AnnotationInput(preference_strength=1))

    assert 0 < sum(swaps) < 40  # 40 fair draws all alike: probability 2 / 2**40
