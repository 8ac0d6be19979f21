"""The held-out evaluation scores the policy's samples with the independent judge too, measures KL to
the starting policy apart from the previous one, and gives each figure a bootstrap interval over prompts."""
import shutil

import pytest

from tests.training.online_dpo.online_dpo_helpers import shared_tiny_policy
from verdict_ml.online_dpo import evaluate_policy, policy_reward_discrepancy
from verdict_ml.policies.toy import toy_prompts, word_preference_reward


@pytest.fixture(scope="module")
def moved_policy(tmp_path_factory):
    """A copy of the tiny policy with its weights nudged: a policy other than the start."""
    import torch
    from transformers import AutoModelForCausalLM

    folder = tmp_path_factory.mktemp("moved") / "policy"
    shutil.copytree(shared_tiny_policy(), folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    model.save_pretrained(folder)
    return str(folder)


class RecordingJudge:
    def __init__(self):
        self.responses = []

    def __call__(self, prompts, responses):
        self.responses += list(responses)
        return [float(len(text)) for text in responses]


def test_the_judge_scores_the_same_samples_and_kl_to_start_uses_the_start(moved_policy):
    start = shared_tiny_policy()
    judge = RecordingJudge()
    prompts = toy_prompts(6, seed=9)

    report = evaluate_policy(
        moved_policy, moved_policy, moved_policy, prompts, word_preference_reward(), judge_fn=judge, start_policy=start,
        num_samples=2, max_new_tokens=10, seed=0, device="cpu", bootstrap_samples=200,
    )

    assert len(judge.responses) == 2 * 6 * 2  # the new policy's and the previous one's samples
    new_texts = judge.responses[: 2 * 6]
    assert report["judge_mean_reward"] == pytest.approx(sum(map(len, new_texts)) / len(new_texts))
    assert report["judge_mean_reward"] != report["mean_reward"]
    assert report["judge_win_rate_vs_previous"] == 0.5  # the previous policy is the same one
    assert report["kl_to_previous"] == pytest.approx(0.0, abs=1e-5)
    assert report["kl_to_start"] > 0.01
    for name in ("mean_reward", "judge_mean_reward", "win_rate_vs_previous", "kl_to_start", "kl_to_previous", "mean_response_tokens"):
        low, high = report["intervals"][name]
        assert low - 1e-9 <= report[name] <= high + 1e-9, name
    assert "bootstrap over the 6 prompts" in report["interval_method"]


def test_without_a_judge_or_start_those_figures_are_absent():
    report = evaluate_policy(
        shared_tiny_policy(), None, None, toy_prompts(3, seed=1), word_preference_reward(), num_samples=1, max_new_tokens=6, device="cpu",
    )
    assert report["judge_mean_reward"] is None and report["kl_to_start"] is None
    assert set(report["intervals"]) == {"mean_reward", "mean_response_tokens"}


def test_policy_rm_discrepancy_counts_pairs_the_policy_ranks_the_other_way():
    policy = shared_tiny_policy()
    prompt = [{"role": "user", "content": "Tell me about the cat."}]
    likely, unlikely = "The cat is happy.", "zq xv qq zz kk"
    agree = policy_reward_discrepancy(policy, [(prompt, likely, unlikely)], device="cpu")
    disagree = policy_reward_discrepancy(policy, [(prompt, unlikely, likely), (prompt, likely, likely)], device="cpu")
    assert (agree["discrepant"], agree["pairs"], agree["rate"]) == (0, 1, 0.0)
    assert (disagree["discrepant"], disagree["pairs"], disagree["rate"]) == (1, 1, 1.0)  # identical texts are left out
    assert disagree["interval"][0] > 0.0
