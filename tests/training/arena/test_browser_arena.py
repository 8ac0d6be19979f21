"""The arena in the browser (Chromium, Playwright): an admin launches an arena of two imported models
from the arena page, an annotator votes on a battle in the usual workspace without seeing who wrote
what, and after the background refresh a researcher reads the leaderboard and the rounds chart."""
import pytest

from annotation.models import Annotation
from tests.browser_support import log_in, wait_for_task, wait_for_task_after
from tests.factories import MembershipFactory, ProjectFactory
from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts
from training.arena.leaderboard import arena_leaderboards_tick
from training.arena.models import ArenaBattle
from training.policies.pools import EVAL_POOL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARENA = "/projects/arena/arena/"
ANNOTATE = "/projects/arena/annotate/"


def test_launch_vote_and_read_the_leaderboard(page, live_server, annotator, researcher, admin_user):
    project = ProjectFactory(slug="arena", name="Arena", overlap=1, task_types=["pairwise"], justification_min_strength=4)
    for user in (annotator, researcher):
        MembershipFactory(project=project, user=user)
    pools = pinned_prompts(project, held_out=3, training=2)
    imported_answers(pools[EVAL_POOL])

    log_in(page, live_server.url, admin_user.username, ARENA)
    assert "No votes on battles yet." in page.inner_text("#arena-leaderboard")
    page.fill("#id_model_names", "\n".join(MODELS))
    page.click("#arena-launch button[type=submit]")
    page.wait_for_selector("text=Arena #")
    assert ArenaBattle.objects.filter(arena__project=project).count() == 3
    assert "3" in page.inner_text("#arena-list")

    page.context.clear_cookies()
    log_in(page, live_server.url, annotator.username, ANNOTATE)
    first = wait_for_task(page)
    shown = page.inner_text("#annotate-app")
    assert not any(model in shown for model in MODELS)
    page.keyboard.press("2")  # "A is better"
    page.keyboard.press("Enter")
    wait_for_task_after(page, first)
    vote = Annotation.objects.get(annotator=annotator)
    assert vote.preference_strength in (-2, 2)

    arena_leaderboards_tick()
    page.context.clear_cookies()
    log_in(page, live_server.url, researcher.username, ARENA)
    ratings = page.inner_text("#arena-ratings")
    battle = ArenaBattle.objects.get(item=vote.item)
    winner = battle.model_1 if vote.preference_strength < 0 else battle.model_2
    assert ratings.index(winner) < ratings.index(next(m for m in MODELS if m != winner)), "the voted-for model ranks first"
    assert page.is_visible("#arena-matrix") and page.is_visible("#chart-overoptimisation")
    assert page.get_attribute('nav.project-nav a[aria-current="page"]', "href") == ARENA
    assert not page.is_visible("#arena-launch")
