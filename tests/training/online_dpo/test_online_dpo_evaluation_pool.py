"""Online DPO evaluates each round on the held-out (evaluation) pool, never on training prompts. Other
tests check that training avoids the held-out pool; these check that evaluation uses it: the
selector, and what a real round hands to `evaluate_policy`."""
import pytest
from django.urls import reverse

from annotation.models import Prompt
from jobs.models import JobStatus
from tests.factories import PromptFactory
from tests.training.online_dpo.online_dpo_helpers import (
    FAST_ROUND,
    fill_project,
    register_policy,
    register_reward_model,
    shared_tiny_policy,
    shared_word_reward_model,
)
from training.online_dpo.config import round_config_clean
from training.online_dpo.models import OnlineRound
from training.online_dpo.selectors import draw_training_prompts, evaluation_prompts
from training.policies.pools import EVAL_POOL, TRAIN_POOL, prompt_pools


def pinned(project, pool: str, count: int) -> list[int]:
    return [
        PromptFactory(project=project, messages=[{"role": "user", "content": f"{pool} prompt {index}?"}], metadata={"policy_split": pool}).pk
        for index in range(count)
    ]


@pytest.mark.django_db
def test_evaluation_prompts_come_from_the_evaluation_pool_only(project):
    """Guards: evaluation_prompts drawing from the training pool."""
    held_out, training = pinned(project, EVAL_POOL, 5), pinned(project, TRAIN_POOL, 20)
    config = round_config_clean({"eval_prompts": 3, "prompts_per_round": 20})

    chosen = evaluation_prompts(project=project, config=config)

    assert len(chosen) == 3 and set(chosen) <= set(held_out)
    assert chosen == prompt_pools(project=project, eval_fraction=config["eval_fraction"])[EVAL_POOL][:3]
    assert not set(chosen) & set(draw_training_prompts(project=project, config=config, round_number=1))
    assert set(draw_training_prompts(project=project, config=config, round_number=1)) == set(training)


@pytest.mark.django_db
def test_evaluation_prompts_stop_at_the_evaluation_pool(project):
    """Guards: evaluation_prompts topping up a small evaluation pool with training prompts."""
    held_out = pinned(project, EVAL_POOL, 2)
    pinned(project, TRAIN_POOL, 10)

    chosen = evaluation_prompts(project=project, config=round_config_clean({"eval_prompts": 8}))

    assert sorted(chosen) == sorted(held_out)


@pytest.mark.django_db(transaction=True)
def test_a_round_evaluates_its_policy_on_the_evaluation_pool(project, admin_user, client_for, monkeypatch):
    """Guards: the round body handing evaluate_policy training prompts (or the round's own prompts).
    The real evaluate_policy runs; the wrapper only records which prompts it was given."""
    import verdict_ml.online_dpo as online_dpo

    fill_project(project)
    register_policy(project, shared_tiny_policy())
    register_reward_model(project, shared_word_reward_model())
    evaluated: list[list] = []
    real = online_dpo.evaluate_policy

    def recording(*args, **kwargs):
        evaluated.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(online_dpo, "evaluate_policy", recording)
    response = client_for(admin_user).post(reverse("api-online-runs", args=[project.slug]), {"rounds": 1, "config": FAST_ROUND}, format="json")
    assert response.status_code == 201, response.content

    round_ = OnlineRound.objects.get(run_id=response.json()["id"])
    assert round_.job.status == JobStatus.SUCCEEDED, round_.job.error
    config = round_.run.config
    expected = list(Prompt.objects.filter(pk__in=evaluation_prompts(project=project, config=config)).order_by("content_hash"))
    assert len(expected) == config["eval_prompts"]
    assert evaluated == [[prompt.messages for prompt in expected]]
    held_out = set(prompt_pools(project=project, eval_fraction=config["eval_fraction"])[EVAL_POOL])
    assert {prompt.pk for prompt in expected} <= held_out and not held_out & set(round_.prompt_ids)
