"""The leaderboard is computed in the background (after votes, on the beat task) and stored; the page,
the API and a round's page read the stored result and never recompute it."""
import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts, vote
from tests.training.online_dpo.online_dpo_helpers import FAST_ROUND, fill_project, register_policy, register_reward_model
from training.arena.job_body import arena_execute
from training.arena.leaderboard import arena_leaderboards_tick
from training.arena.models import Arena, ArenaBattle, ArenaLeaderboard
from training.arena.services import arena_launch
from training.online_dpo.services import online_run_launch
from training.policies.pools import EVAL_POOL


@pytest.fixture
def voted(db):
    annotator = UserFactory(username="lb-voter", role="annotator")
    researcher = UserFactory(username="lb-researcher", role="researcher")
    admin = UserFactory(username="lb-admin", role="admin")
    project = ProjectFactory(slug="board", overlap=1, task_types=["pairwise"], max_active_leases=50, justification_min_strength=4)
    for user in (annotator, researcher):
        MembershipFactory(project=project, user=user)
    pools = pinned_prompts(project, held_out=12, training=0)
    imported_answers(pools[EVAL_POOL])
    arena = arena_launch(project=project, checkpoint_ids=[], model_names=list(MODELS), config={}, launched_by=admin, enqueue=False)
    arena_execute(arena.job_id, task_id="test")
    # The voter prefers the first model's response 10 times of 12.
    for index in range(12):
        _peek_and_vote(annotator, project, prefer=MODELS[0] if index < 10 else MODELS[1])
    return project, researcher, admin, annotator


def _peek_and_vote(annotator, project, *, prefer: str):
    from annotation.services import assignment_next

    assignment = assignment_next(annotator=annotator, project=project)
    battle = ArenaBattle.objects.get(item=assignment.item)
    first_shown = battle.model_2 if assignment.swapped else battle.model_1
    # assignment_next returns the same live lease again to `vote`, which submits in the order shown.
    return vote(annotator, project, shown_strength=-2 if first_shown == prefer else 2)


def test_the_tick_stores_ratings_intervals_and_the_matrix(voted, client_for):
    project, researcher, _, _ = voted

    assert arena_leaderboards_tick() == {"refreshed": 1}
    assert arena_leaderboards_tick() == {"refreshed": 0}, "unchanged votes are not recomputed"

    board = ArenaLeaderboard.objects.get(project=project)
    payload = client_for(researcher).get(reverse("api-arena", args=[project.slug])).json()
    assert payload["stale"] is False and payload["votes"] == 12 == board.payload["votes"]
    assert [row["model"] for row in payload["players"]] == [MODELS[0], MODELS[1]]
    best, worst = payload["players"]
    assert best["elo"] > 1000 > worst["elo"] and best["win_rate"] == pytest.approx(10 / 12)
    assert best["elo_interval"][0] < best["elo"] < best["elo_interval"][1]
    assert payload["win_rate"][0][1] == pytest.approx(10 / 12) and payload["battle_counts"][0][1] == 12


def test_requests_read_the_stored_result_until_the_next_refresh(voted, client_for, django_assert_max_num_queries):
    project, researcher, _, annotator = voted
    arena_leaderboards_tick()
    api = client_for(researcher)
    before = api.get(reverse("api-arena", args=[project.slug])).json()

    from annotation.services import AnnotationInput, annotation_revise

    revised = ArenaBattle.objects.filter(arena__project=project).first().item.annotations.get()
    annotation_revise(annotator=annotator, annotation=revised, data=AnnotationInput(preference_strength=0))
    with django_assert_max_num_queries(8):
        served = api.get(reverse("api-arena", args=[project.slug])).json()

    assert served["players"] == before["players"]
    assert arena_leaderboards_tick() == {"refreshed": 1}, "a changed vote moves the watermark"
    assert api.get(reverse("api-arena", args=[project.slug])).json()["outcomes"] != before["outcomes"]


def test_the_page_shows_the_stored_leaderboard(voted, client):
    project, researcher, _, _ = voted
    client.force_login(researcher)
    assert "No votes on battles yet." in client.get(reverse("training:arena", args=[project.slug])).content.decode()

    arena_leaderboards_tick()
    page = client.get(reverse("training:arena", args=[project.slug])).content.decode()

    assert 'id="arena-ratings"' in page and f'data-model="{MODELS[0]}"' in page and 'id="arena-matrix"' in page
    assert 'href="/projects/board/arena/" aria-current="page"' in page


@pytest.mark.django_db
def test_a_rounds_page_shows_its_checkpoints_arena_result(project, admin_user, researcher, client):
    fill_project(project, prompts=12, items=0)
    register_policy(project, "/nonexistent/policy")
    register_reward_model(project, "/nonexistent/reward-model")
    round_ = online_run_launch(project=project, rounds=1, config=FAST_ROUND, launched_by=admin_user, enqueue=False).rounds.get()
    checkpoint = register_policy(project, "/nonexistent/round-1")
    round_.checkpoint = checkpoint
    round_.save(update_fields=["checkpoint"])
    Arena.objects.create(project=project, contestants=[{"label": "round 1 (#x)", "checkpoint_id": checkpoint.pk}, {"label": "other", "model_name": "other"}])
    ArenaLeaderboard.objects.create(project=project, stale=False, payload={"players": [
        {"model": "round 1 (#x)", "elo": 1042.0, "elo_interval": [1001.0, 1090.0], "votes": 30, "wins": 18.0, "win_rate": 0.6,
         "checkpoint_id": checkpoint.pk, "round": round_.number},
        {"model": "other", "elo": 958.0, "elo_interval": [910.0, 999.0], "votes": 30, "wins": 12.0, "win_rate": 0.4, "checkpoint_id": None, "round": None},
    ]})
    client.force_login(researcher)

    page = client.get(reverse("training:round_detail", args=[project.slug, round_.pk])).content.decode()

    assert 'id="round-arena"' in page and "1042" in page and "[1001, 1090]" in page and "30 blind human votes" in page
