"""The arena's sampling job: contestants answer the same prompts of the held-out pool only, every two
contestants' different responses to a prompt become one battle item of the project (random stored order),
and each response carries its contestant's name as provenance."""
import pytest
from django.core.exceptions import ValidationError

from annotation.models import Item, Response, ResponseSource
from jobs.models import JobKind, JobStatus
from tests.training.arena.arena_helpers import MODELS, imported_answers, pinned_prompts
from tests.training.online_dpo.online_dpo_helpers import register_policy, shared_tiny_policy
from training.arena.job_body import arena_execute
from training.arena.models import ArenaBattle, ArenaLeaderboard
from training.arena.services import arena_launch, checkpoint_label
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, TRAIN_POOL

FAST = {"prompts": 10, "max_new_tokens": 8, "device": "cpu", "temperature": 1.0}


@pytest.mark.django_db
def test_imported_models_battle_on_the_held_out_pool_only(project, admin_user):
    """Guards: battles drawn from training prompts, or a pair battled twice."""
    pools = pinned_prompts(project, held_out=12, training=5)
    imported_answers(pools[EVAL_POOL] + pools[TRAIN_POOL])
    config = {**FAST, "prompts": 12}
    arena = arena_launch(project=project, checkpoint_ids=[], model_names=list(MODELS), config=config, launched_by=admin_user, enqueue=False)
    assert arena.job.kind == JobKind.ARENA

    assert arena_execute(arena.job_id, task_id="test") == JobStatus.SUCCEEDED

    battles = list(ArenaBattle.objects.filter(arena=arena).select_related("item"))
    assert len(battles) == 12
    assert {b.item.prompt_id for b in battles} == {p.pk for p in pools[EVAL_POOL]}
    for battle in battles:
        item = battle.item
        assert (battle.model_1, battle.model_2) == (item.response_1.model_name, item.response_2.model_name)
        assert {battle.model_1, battle.model_2} == set(MODELS)
    # Drawn at random per battle: all 12 the same way round has probability 2 / 2**12.
    assert {b.model_1 for b in battles} == set(MODELS), "the stored order is drawn at random, not by contestant"
    assert ArenaLeaderboard.objects.get(project=project).stale

    arena_again = arena_launch(project=project, checkpoint_ids=[], model_names=list(MODELS), config=config, launched_by=admin_user, enqueue=False)
    arena_execute(arena_again.job_id, task_id="test-2")
    assert Item.objects.filter(project=project).count() == 12, "the same pair in either order is one item"


@pytest.mark.django_db
def test_policy_checkpoints_are_sampled_on_the_held_out_pool_with_provenance(project, admin_user):
    """Guards: a checkpoint sampled (or battled) on training prompts, or its samples not naming it."""
    pools = pinned_prompts(project, held_out=3, training=4)
    imported_answers(pools[EVAL_POOL] + pools[TRAIN_POOL], models=MODELS[:1])
    first = register_policy(project, shared_tiny_policy())
    second = PolicyCheckpoint.objects.create(project=project, name="tiny twin", base_model=first.path, path=first.path, merged_path=first.path)
    arena = arena_launch(
        project=project, checkpoint_ids=[first.pk, second.pk], model_names=[MODELS[0]], config=FAST, launched_by=admin_user, enqueue=False,
    )

    assert arena_execute(arena.job_id, task_id="test") == JobStatus.SUCCEEDED, arena.job.error

    arena.refresh_from_db()
    sampled = Response.objects.filter(source=ResponseSource.POLICY, prompt__project=project)
    assert sampled.exists()
    assert {r.prompt_id for r in sampled} <= {p.pk for p in pools[EVAL_POOL]}
    for response in sampled:
        checkpoint = first if response.model_name == checkpoint_label(first) else second
        assert response.model_name == checkpoint_label(checkpoint)
        assert (response.checkpoint, response.metadata["arena"]) == (checkpoint.load_path, arena.pk)
    battles = ArenaBattle.objects.filter(arena=arena)
    assert battles.count() == arena.summary["battles"] > 0
    assert {b.item.prompt_id for b in battles} <= {p.pk for p in pools[EVAL_POOL]}
    assert {b.model_1 for b in battles} | {b.model_2 for b in battles} <= {checkpoint_label(first), checkpoint_label(second), MODELS[0]}


@pytest.mark.django_db
def test_a_launch_names_what_is_wrong(project, admin_user):
    """Guards: an arena of one contestant, unknown checkpoints, or a checkpoint on all prompts."""
    pools = pinned_prompts(project, held_out=2, training=2)
    imported_answers(pools[EVAL_POOL])
    checkpoint = register_policy(project, "/nowhere")

    with pytest.raises(ValidationError) as one:
        arena_launch(project=project, checkpoint_ids=[], model_names=[MODELS[0]], config={}, launched_by=admin_user, enqueue=False)
    with pytest.raises(ValidationError) as unknown:
        arena_launch(project=project, checkpoint_ids=[987654], model_names=["nobody"], config={}, launched_by=admin_user, enqueue=False)
    with pytest.raises(ValidationError) as everywhere:
        arena_launch(project=project, checkpoint_ids=[checkpoint.pk], model_names=[MODELS[0]], config={"pool": "all"},
                     launched_by=admin_user, enqueue=False)

    assert set(one.value.message_dict) == {"contestants"}
    assert set(unknown.value.message_dict) == {"checkpoints"}
    assert set(everywhere.value.message_dict) == {"pool"}


@pytest.mark.django_db
def test_a_model_without_responses_on_the_pool_fails_the_job_by_name(project, admin_user):
    """Guards: an arena quietly battling fewer contestants than launched (a misspelt model name)."""
    pools = pinned_prompts(project, held_out=2, training=2)
    imported_answers(pools[EVAL_POOL])
    imported_answers(pools[TRAIN_POOL], models=("train-only-model",))
    arena = arena_launch(project=project, checkpoint_ids=[], model_names=[*MODELS, "train-only-model"], config={},
                         launched_by=admin_user, enqueue=False)

    assert arena_execute(arena.job_id, task_id="test") == JobStatus.FAILED

    arena.job.refresh_from_db()
    assert "from train-only-model" in arena.job.error
    assert not ArenaBattle.objects.filter(arena=arena).exists()
