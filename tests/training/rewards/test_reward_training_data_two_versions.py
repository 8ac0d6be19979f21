"""Regression → scaled BT from a pair version and a helpsteer2 version: the two are split apart, each by
its own rows, so a prompt held out for validation by one could be trained on through the other. The
validation accuracy (the activation gate's evidence) would then score replies the regression phase
learnt. A prompt held out by either version is held out of both."""
from types import SimpleNamespace

from annotation.models import messages_content_hash
from training.rewards import selectors


def fake_versions(monkeypatch) -> tuple[SimpleNamespace, SimpleNamespace]:
    rows = {
        ("pairs", "train"): [
            (i + 1, {"prompt": f"q{i}", "response_1": "a", "response_2": "b", "preference_strength": -2}) for i in range(10)
        ],
        ("pairs", "validation"): [],
        ("attributes", "train"): [
            (line, {"prompt": f"q{i}", "response": reply, "helpfulness": 3})
            for line, (i, reply) in enumerate(((i, r) for i in range(12) for r in "ab"), start=1)
        ],
        ("attributes", "validation"): [],
    }
    monkeypatch.setattr(selectors, "dataset_version_split", lambda version, split: ("file", rows[(version.name, split)]))
    return SimpleNamespace(name="pairs", format="helpsteer2-preference"), SimpleNamespace(name="attributes", format="helpsteer2")


def prompts(rows) -> set[str]:
    return {messages_content_hash(row.prompt) for row in rows}


def test_no_prompt_lies_in_the_training_rows_of_one_and_the_validation_rows_of_the_other(monkeypatch):
    pairs, attributes = fake_versions(monkeypatch)

    data = selectors.reward_training_data_from_versions(
        pairs_version=pairs, attributes_version=attributes, validation_fraction=0.1, seed=0
    )

    held = prompts(data.val_pairs) | prompts(data.val_attributes)
    assert data.val_pairs and not held & (prompts(data.train_pairs) | prompts(data.train_attributes))
    assert len(data.train_pairs) + len(data.val_pairs) == 10
    assert len(data.train_attributes) + len(data.val_attributes) == 24
