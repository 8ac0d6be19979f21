"""Builders for online DPO tests: a tiny policy and a tiny reward model that prefers some words,
both made on disk in seconds; a project filled with the toy corpus; registry entries for both."""
from __future__ import annotations

import atexit
import functools
import random
import shutil
import tempfile
import uuid
from pathlib import Path

from annotation.models import Project
from annotation.services import (
    AnnotationInput,
    annotation_submit,
    assignment_next,
    item_get_or_create,
    prompt_get_or_create,
    response_get_or_create,
)
from jobs.models import Artifact, JobKind, JobStatus, TrainingJob
from tests.factories import attribute_scores_for
from training.online_dpo.models import OnlineRound
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardModel
from training.rewards.services import reward_model_activate, reward_model_register
from verdict_ml.policies.toy import ADJECTIVES, DEFAULT_PREFERRED_WORDS, NOUNS, toy_chat_examples

FAST_ROUND = {
    "prompts_per_round": 10, "samples_per_prompt": 4, "max_new_tokens": 12, "generation_batch_size": 40,
    "learning_rate": 5e-3, "epochs": 3.0, "batch_size": 4, "eval_prompts": 6, "eval_samples": 2,
    "human_fraction": 0.3, "device": "cpu",
}


def _scratch(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def shared_tiny_policy() -> str:
    """Built once per test process, whichever test module asks first."""
    return build_policy(_scratch("verdict-tiny-policy-"))


@functools.cache
def shared_word_reward_model() -> str:
    return build_word_reward_model(_scratch("verdict-word-reward-"))


def build_policy(folder: Path) -> str:
    from verdict_ml.policies.tiny import TinyPolicyConfig, build_tiny_policy

    return build_tiny_policy(toy_chat_examples(200, seed=2), folder, config=TinyPolicyConfig(max_steps=60, num_threads=1))


def build_word_reward_model(folder: Path) -> str:
    """A 1-layer, hidden-32 BERT trained (Bradley–Terry) to prefer the toy policy's 'happy' adjectives."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from verdict_ml.rewards.config import RewardTrainingConfig
    from verdict_ml.rewards.data import PreferencePair
    from verdict_ml.rewards.model import default_base_model
    from verdict_ml.rewards.train import train_reward_model

    base = folder / "base"
    tokenizer = AutoTokenizer.from_pretrained(default_base_model())
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, num_labels=1, initializer_range=0.05,
    )
    BertForSequenceClassification(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    rng = random.Random(7)
    liked, other = sorted(DEFAULT_PREFERRED_WORDS), [a for a in ADJECTIVES if a not in DEFAULT_PREFERRED_WORDS]

    def pair() -> PreferencePair:
        noun = rng.choice(NOUNS)
        template = rng.choice(("The {noun} is {adj}.", "A {noun} can be very {adj}.", "The {adj} {noun} likes to play."))
        prompt = [{"role": "user", "content": f"Tell me about the {noun}."}]
        return PreferencePair(prompt, template.format(noun=noun, adj=rng.choice(liked)), template.format(noun=noun, adj=rng.choice(other)), strength=2)

    train_reward_model(
        RewardTrainingConfig(base_model=str(base), epochs=3, batch_size=8, learning_rate=1e-2, max_length=48, device="cpu", logging_steps=50,
                             freeze_word_embeddings=False),
        [pair() for _ in range(160)], [pair() for _ in range(16)], folder / "model",
    )
    return str(folder / "model")


def fill_project(project: Project, *, prompts: int = 48, items: int = 4) -> None:
    """The toy corpus as imported prompts and responses, and a few imported comparison items."""
    for index, (messages, text) in enumerate(toy_chat_examples(prompts * 2, seed=5)):
        prompt, _ = prompt_get_or_create(project=project, messages=messages)
        response, _ = response_get_or_create(prompt=prompt, text=text)
        if index < items:
            other, _ = response_get_or_create(prompt=prompt, text=text + " Really.")
            item_get_or_create(project=project, prompt=prompt, response_1=response, response_2=other)


def register_policy(project: Project, path: str) -> PolicyCheckpoint:
    return PolicyCheckpoint.objects.create(project=project, name="tiny initial", base_model=path, path=path, merged_path=path)


def register_reward_model(project: Project, path: str) -> RewardModel:
    """A succeeded reward-model job with its ready artifact, registered the normal way; the project's first
    one is then activated by an admin's force (it has no validation result, so the activation gate would
    not activate it on its own), later ones stay inactive as registration leaves them."""
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.SUCCEEDED, config={"objective": "bt"},
        summary={"model_dirs": [path], "base_model": "tiny-bert", "metrics": {}},
    )
    Artifact.objects.create(job=job, name="reward_model", path=path, ready=True)
    model = reward_model_register(job=job)
    if RewardModel.objects.filter(project=project, is_active=True).exclude(pk=model.pk).exists():
        return model
    return reward_model_activate(reward_model=model, force=True)


def annotate_slice(round_: OnlineRound, annotator, *, against_rm: int) -> None:
    """The annotator takes every slice item from the queue; the first `against_rm` pairs are judged
    against the reward model's order, the rest with it (strength ±1, shown order respected)."""
    rm_choice = {pair["item"]: pair["chosen"] for pair in round_.pairs if pair["item"]}
    for position in range(len(rm_choice)):
        assignment = assignment_next(annotator=annotator, project=round_.project)
        item = assignment.item
        assert item.round == round_.number
        human_choice = rm_choice[item.pk]
        if position < against_rm:
            human_choice = item.response_2_id if human_choice == item.response_1_id else item.response_1_id
        canonical = -1 if human_choice == item.response_1_id else 1
        data = AnnotationInput(
            preference_strength=-canonical if assignment.swapped else canonical, attribute_scores=attribute_scores_for(item),
        )
        annotation_submit(annotator=annotator, assignment=assignment, client_id=uuid.uuid4(), data=data)
