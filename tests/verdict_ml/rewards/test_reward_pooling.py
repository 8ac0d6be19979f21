"""pooling="mean": the score head reads the attention-masked mean of the last hidden states, in training
and again when a saved model is loaded for scoring."""
from __future__ import annotations

import pytest

from verdict_ml.rewards.config import RewardTrainingConfig
from verdict_ml.rewards.ensemble import load_reward_scorer
from verdict_ml.rewards.model import apply_pooling, load_sequence_classifier, load_tokenizer, pad_batch
from verdict_ml.rewards.train import train_reward_model

torch = pytest.importorskip("torch")


def mean_pooled_model(path):
    tokenizer = load_tokenizer(str(path))
    return apply_pooling(load_sequence_classifier(str(path), ["reward"], tokenizer), "mean").eval(), tokenizer


def test_the_head_reads_the_masked_mean_of_the_last_hidden_states(tiny_model_dir):
    model, tokenizer = mean_pooled_model(tiny_model_dir)
    batch = pad_batch([tokenizer("a short reply"), tokenizer("a much longer reply with many more words in it")], tokenizer.pad_token_id)
    with torch.no_grad():
        hidden = model.base_model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        expected = model.classifier((hidden * mask).sum(1) / mask.sum(1))[:, 0]
        scores = model(**batch).logits[:, 0]
    assert torch.allclose(scores, expected, atol=1e-5)


def test_padding_does_not_change_a_reward(tiny_model_dir):
    model, tokenizer = mean_pooled_model(tiny_model_dir)
    short = tokenizer("a short reply")
    with torch.no_grad():
        alone = model(**pad_batch([short], tokenizer.pad_token_id)).logits[0, 0]
        padded = model(**pad_batch([short, tokenizer("a much longer reply with many more words in it")], tokenizer.pad_token_id)).logits[0, 0]
    assert torch.allclose(alone, padded, atol=1e-5)


def test_cls_pooling_leaves_the_model_as_it_was(tiny_model_dir):
    tokenizer = load_tokenizer(str(tiny_model_dir))
    model = load_sequence_classifier(str(tiny_model_dir), ["reward"], tokenizer)
    pooler = model.base_model.pooler
    assert apply_pooling(model, "cls").base_model.pooler is pooler


def test_an_unknown_pooling_is_refused(tiny_model_dir):
    tokenizer = load_tokenizer(str(tiny_model_dir))
    with pytest.raises(ValueError, match="pooling must be one of"):
        apply_pooling(load_sequence_classifier(str(tiny_model_dir), ["reward"], tokenizer), "max")
    with pytest.raises(Exception, match="pooling"):
        RewardTrainingConfig(pooling="max").validate()


def test_a_mean_pooled_model_scores_after_saving_as_it_did_in_training(tiny_model_dir, toy_pairs, tmp_path):
    train, val = toy_pairs
    config = RewardTrainingConfig(
        base_model=str(tiny_model_dir), pooling="mean", learning_rate=2e-3, epochs=3, batch_size=16,
        max_length=32, warmup_ratio=0.0, device="cpu", logging_steps=1000, freeze_word_embeddings=False,
    )
    result = train_reward_model(config, train, val, tmp_path)
    assert result.final_metrics["val_accuracy"] > 0.9
    scorer = load_reward_scorer(tmp_path, device="cpu")
    prompts = [pair.prompt for pair in val]
    chosen = scorer(prompts, [pair.chosen for pair in val])
    rejected = scorer(prompts, [pair.rejected for pair in val])
    accuracy = sum(c > r for c, r in zip(chosen, rejected)) / len(val)
    assert accuracy == pytest.approx(result.final_metrics["val_accuracy"])
