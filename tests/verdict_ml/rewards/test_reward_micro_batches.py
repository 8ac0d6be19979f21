"""Micro-batches (issue 17, memory): backpropagating a batch in chunks gives the whole batch's loss and
gradients, for pairwise losses (with reward centring) and regression."""
from dataclasses import replace
from pathlib import Path

import pytest

from verdict_ml.rewards.train import RewardTrainingConfig, _forward_backward


class _Backward:
    def backward(self, loss):
        loss.backward()


def _grads(model_dir: Path, config: RewardTrainingConfig, phase: str, pairs) -> tuple[float, list]:
    import torch

    from verdict_ml.rewards.data import encode_prompt_response
    from verdict_ml.rewards.model import load_sequence_classifier, load_tokenizer, pad_batch

    tokenizer = load_tokenizer(str(model_dir))
    torch.manual_seed(0)  # the 2-output regression head is initialised afresh: the same one in both runs
    labels = ("a", "b") if phase == "regression" else ("reward",)
    model = load_sequence_classifier(str(model_dir), labels, tokenizer).eval()  # no dropout: exact comparison
    if phase == "regression":
        encoded = [encode_prompt_response(tokenizer, p.prompt, p.chosen, 32) for p in pairs]
        batch = pad_batch(encoded, tokenizer.pad_token_id)
        batch["targets"] = torch.tensor([[float(i % 5), 2.0] for i in range(len(pairs))])
    else:
        encoded = [encode_prompt_response(tokenizer, p.prompt, p.chosen, 32) for p in pairs]
        encoded += [encode_prompt_response(tokenizer, p.prompt, p.rejected, 32) for p in pairs]
        batch = pad_batch(encoded, tokenizer.pad_token_id)
        batch["strength"] = torch.tensor([float(p.strength) for p in pairs])
    loss = _forward_backward(config, phase, model, batch, _Backward())
    return float(loss), [p.grad.clone() for p in model.parameters() if p.grad is not None]


@pytest.mark.parametrize("phase", ["bt", "scaled_bt", "regression"])
def test_micro_batches_give_the_whole_batchs_loss_and_gradients(phase, tiny_model_dir: Path, toy_pairs) -> None:
    pairs = toy_pairs[0][:7]  # 7 pairs: chunks of 3, 3 and 1
    whole = RewardTrainingConfig(micro_batch_size=None, center_rewards_coefficient=0.05)
    loss, grads = _grads(tiny_model_dir, whole, phase, pairs)
    chunked_loss, chunked = _grads(tiny_model_dir, replace(whole, micro_batch_size=3), phase, pairs)

    assert chunked_loss == pytest.approx(loss, rel=1e-5)
    assert len(grads) == len(chunked) > 0
    for a, b in zip(grads, chunked):
        assert (a - b).abs().max().item() <= 1e-5 + 1e-4 * a.abs().max().item()
