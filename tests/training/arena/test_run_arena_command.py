"""`manage.py run_arena`: launches an arena from the command line and runs its job here."""
import io

import pytest
from django.core.management import CommandError, call_command

from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts
from training.arena.models import ArenaBattle, ArenaLeaderboard
from training.policies.pools import EVAL_POOL


@pytest.mark.django_db
def test_the_command_queues_battles_and_refreshes_the_leaderboard(project):
    pools = pinned_prompts(project, held_out=3, training=1)
    imported_answers(pools[EVAL_POOL])
    out = io.StringIO()

    call_command("run_arena", project=project.slug, model=list(MODELS), prompts=2, stdout=out)

    assert ArenaBattle.objects.filter(arena__project=project).count() == 2
    assert "2 battle(s) queued" in out.getvalue()
    assert ArenaLeaderboard.objects.get(project=project).stale is False
    with pytest.raises(CommandError, match="contestants"):
        call_command("run_arena", project=project.slug, model=[MODELS[0]], stdout=out)
