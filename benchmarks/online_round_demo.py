"""Data for the online DPO demonstration in the README: a project filled, through the ordinary JSONL
import, with the synthetic chat corpus of `verdict_ml/policies/toy.py` and with judged pairs
whose preferred answer uses one of the words happy / bright / kind / gentle — the known preference
that the reward model learns and that the rounds should push the policy towards.

    DEBUG=1 .venv/bin/python benchmarks/online_round_demo.py [--slug online-demo] [--pairs 3]

Then train the reward model, bootstrap the tiny policy and run the rounds (commands in the README).
`--report` then samples every checkpoint of the project on the held-out prompts and prints, per
checkpoint, the active reward model's mean reward and the share of words from the preferred set
(the ground truth the reward model was taught), each with a 95 % percentile-bootstrap interval over the
held-out prompts (a prompt's samples move together).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.base")


def demo_rows(pairs_per_prompt: int, seed: int = 0) -> list[dict]:
    from verdict_ml.policies.toy import ADJECTIVES, DEFAULT_PREFERRED_WORDS, NOUNS, PROMPTS, toy_chat_examples

    rng = random.Random(seed)
    liked = sorted(DEFAULT_PREFERRED_WORDS)
    other = [word for word in ADJECTIVES if word not in DEFAULT_PREFERRED_WORDS]
    templates = ("The {noun} is {adj}.", "A {noun} can be very {adj}.", "I think the {noun} is {adj}.", "The {adj} {noun} likes to play.")
    by_prompt: dict[str, list[str]] = {}
    for messages, text in toy_chat_examples(1200, seed=seed):
        by_prompt.setdefault(messages[0]["content"], []).append(text)
    # The corpus the tiny policy learns from, as unjudged pairs (the project collects comparisons).
    rows = [
        {"prompt": prompt, "responses": [texts[i], texts[i + 1]]}
        for prompt, texts in by_prompt.items()
        for i in range(0, len(texts) - 1, 2)
        if texts[i] != texts[i + 1]
    ]
    for noun in NOUNS:
        for prompt in PROMPTS:
            for index in range(pairs_per_prompt):
                template = rng.choice(templates)
                good = template.format(noun=noun, adj=rng.choice(liked))
                bad = template.format(noun=noun, adj=rng.choice(other))
                first, second, strength = (good, bad, -2) if index % 2 == 0 else (bad, good, 2)
                rows.append({"prompt": prompt.format(noun=noun), "responses": [first, second], "preference_strength": strength})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slug", default="online-demo")
    parser.add_argument("--pairs", type=int, default=3, help="judged pairs per prompt")
    parser.add_argument("--report", action="store_true", help="print held-out figures of every checkpoint instead")
    args = parser.parse_args()

    import django

    django.setup()
    if args.report:
        report(args.slug)
        return
    from annotation.models import Project
    from annotation.services import project_create
    from datasets_app.imports.services import items_import

    project = Project.objects.filter(slug=args.slug).first() or project_create(
        name="Online DPO demo", slug=args.slug, task_types=["pairwise"], overlap=1,
        guidelines="Prefer the answer that sounds happier, brighter, kinder or gentler.",
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "online-demo.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in demo_rows(args.pairs)))
        record = items_import(project=project, path_or_file=path, file_name=path.name, format="auto", user=None)
    if record.errors:
        raise SystemExit(f"import {record.status}: {record.errors[:5]}")
    print(
        f"project {project.slug}: import {record.status}: {record.rows_read} rows, {record.prompts_created} prompts, "
        f"{record.responses_created} responses, {record.items_created} items, {record.annotations_created} judgements"
    )


def report(slug: str, samples: int = 16, max_new_tokens: int = 24) -> None:
    from annotation.models import Project
    from training.models import PolicyCheckpoint
    from training.online_dpo.config import round_config_defaults
    from training.online_dpo.selectors import evaluation_prompts
    from training.rewards import selectors
    from verdict_ml.policies.generation import generate
    from verdict_ml.policies.toy import word_preference_reward
    from verdict_ml.rewards.ensemble import load_reward_scorer
    from verdict_ml.stats import bootstrap_interval

    project = Project.objects.get(slug=slug)
    prompts = [p.messages for p in project.prompts.filter(pk__in=evaluation_prompts(project=project, config=round_config_defaults())).order_by("content_hash")]
    model = selectors.active_reward_model(project=project)
    scorer = load_reward_scorer(model.member_paths or [model.path], device="cpu")
    preferred = word_preference_reward()
    print(f"{len(prompts)} held-out prompts x {samples} samples, seed 0, temperature 1")
    print("checkpoint            RM reward (95 % CI)          preferred-word share (95 % CI)  example")
    for checkpoint in PolicyCheckpoint.objects.filter(project=project).order_by("pk"):
        groups = generate(checkpoint.load_path, prompts, num_samples=samples, max_new_tokens=max_new_tokens, seed=0, device="cpu")
        flat_prompts = [p for p, group in zip(prompts, groups) for _ in group]
        texts = [sample.text for group in groups for sample in group]
        rewards = scorer(flat_prompts, texts)
        shares = preferred(flat_prompts, texts)
        columns = []
        for values in (rewards, shares):
            per_prompt = [sum(values[i : i + samples]) / samples for i in range(0, len(values), samples)]
            low, high = bootstrap_interval(per_prompt)
            columns.append(f"{sum(values) / len(values):>8.4f} ({low:.4f} to {high:.4f})")
        print(f"{checkpoint.name:<20} {columns[0]}  {columns[1]:>30}  {texts[0]!r}")


if __name__ == "__main__":
    main()
