"""Reward-model training figures (a script, not a test).

Throughput (default): pairs/s of ``train_reward_model`` against a bare PyTorch loop on the same
model, pairs, batch size and max_length, in one process; prints both and the ratio (target ≥ 0.9).

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/reward_training.py

The trainer's allocator setting (``release_cpu_memory``) holds for the whole process once made, so it
is made before the first run and both sides run with it; ``--keep-allocator`` measures both without it.

One thread because this is a shared 2-core machine: other processes' load swings 2-thread runs
by ±50%; runs alternate which side goes first, and the median of the paired ratios is the figure.

Held-out accuracy of the plain hand-written loop (``--plain-loop``): ``bare_loop`` on every pair of a
``scripts/split_preferences.py`` training file, scored on its held-out file with the report
``evaluate_reward_model`` prints: the reference the platform's models are compared with (README, "Proof
of learning"). ``--scores-out PATH`` writes each held-out pair's rewards, as ``evaluate_reward_model`` does.
The held-out pairs are read by ``evaluate_reward_model``'s own code, which loads Django's settings: run it
with the environment of the README's commands (``DEBUG=1`` and ``VERDICT_VAR_DIR``, or a production ``SECRET_KEY``).

    DEBUG=1 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/reward_training.py --plain-loop --epochs 1 --batch-size 16 \
        --train-file $VERDICT_VAR_DIR/hh/train.jsonl.gz --held-out-file $VERDICT_VAR_DIR/hh/held-out.jsonl.gz

Held-out accuracy of a linear probe (``--linear-probe``): the cheapest recipe there is, no fine-tuning.
The bundled MiniLM stays frozen; each (prompt, response), encoded as the platform encodes it, becomes
its sentence embedding (the masked mean of the last hidden states, as sentence-transformers embeds), and
the reward is a linear function of it, fitted by L2-regularised logistic regression on chosen-minus-
rejected embeddings (the Bradley–Terry loss of a linear reward). The regularisation strength is chosen
by scikit-learn's ``LogisticRegressionCV`` (the BT loss over 5 folds of the training pairs only). Same files, report and
``--scores-out`` as ``--plain-loop``:

    DEBUG=1 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/reward_training.py --linear-probe --max-length 256 \
        --train-file $VERDICT_VAR_DIR/hh/train.jsonl.gz --held-out-file $VERDICT_VAR_DIR/hh/held-out.jsonl.gz

Held-out accuracy on a random split (``--hh``): the trainer with this script's own settings on a
random (not prompt-disjoint) split of ../shared/data/hh-harmless-dev.jsonl.gz; the README's figures come
from the CLI path and a prompt-disjoint split instead.

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/reward_training.py --hh --max-length 192

Peak memory (``--memory``): resident set size of one CPU training run of the default model and
settings (``RewardTrainingConfig()``) on ``--pairs`` HH pairs with ``--pairs // 4`` validation pairs,
sampled at each stage (imports, encoding, every logged step, validation) with psutil, and the
process's peak (``ru_maxrss``):

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/reward_training.py --memory --pairs 200
    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/reward_training.py --memory --pairs 200 --keep-allocator
    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/reward_training.py --memory --pairs 200 --ensemble-size 2
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verdict_ml.allocator import release_large_blocks
from verdict_ml.rewards.data import PreferencePair, encode_prompt_response, pairs_from_hh_jsonl
from verdict_ml.rewards.train import RewardTrainingConfig, train_reward_model

HH_PATH = Path(__file__).resolve().parents[2] / "shared" / "data" / "hh-harmless-dev.jsonl.gz"


def load_pairs() -> list[PreferencePair]:
    if not HH_PATH.exists():
        sys.exit(f"{HH_PATH} not found: the benchmarks read the shared HH-RLHF sample")
    return pairs_from_hh_jsonl(HH_PATH)


def bare_loop(
    pairs: list[PreferencePair], base: str, batch_size: int, max_length: int, lr: float, seed: int,
    *, epochs: int = 1, weight_decay: float = 0.0, trained: list | None = None,
) -> float:
    """The reference: tokenise up front, then forward (chosen+rejected stacked), BT loss, backward,
    AdamW step. Returns pairs per second over the steps only; appends (model, tokenizer) to ``trained``
    when given."""
    import torch
    import torch.nn.functional as F
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    # Same token ids as the library (prompt cut from the left); encoding is outside the timing.
    chosen = [encode_prompt_response(tokenizer, p.prompt, p.chosen, max_length) for p in pairs]
    rejected = [encode_prompt_response(tokenizer, p.prompt, p.rejected, max_length) for p in pairs]
    order = list(range(len(pairs)))
    rng = random.Random(seed)
    started = time.perf_counter()
    for _ in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = tokenizer.pad([chosen[i] for i in idx] + [rejected[i] for i in idx], return_tensors="pt")
            rewards = model(**batch).logits[:, 0]
            r_c, r_r = rewards.chunk(2)
            loss = -F.logsigmoid(r_c - r_r).mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    if trained is not None:
        trained.append((model.eval(), tokenizer))
    return epochs * len(order) / (time.perf_counter() - started)


def evaluation_pairs(path: Path) -> list[PreferencePair]:
    """The pairs ``evaluate_reward_model --file`` scores, read by the same code (the import parsers), so
    that both sides score the same pairs in the same order."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.base")
    django.setup()
    from training.rewards.evaluation_pairs import evaluation_pairs_from_file

    return evaluation_pairs_from_file(str(path))


def plain_loop_accuracy(args: argparse.Namespace) -> None:
    """The hand-written reference's held-out accuracy: ``bare_loop`` on every pair of ``--train-file``
    (the issue's plain loop: lr 3e-5, batch 16, max length 128, weight decay 0.01, no warm-up, no
    validation hold-out), scored on the pairs ``evaluate_reward_model`` reads from ``--held-out-file``,
    with the report it prints."""
    import torch

    from verdict_ml.rewards.model import default_base_model

    train, held_out = pairs_from_hh_jsonl(args.train_file), evaluation_pairs(args.held_out_file)
    trained: list = []
    started = time.perf_counter()
    bare_loop(train, default_base_model(), args.batch_size, args.max_length, args.lr, args.seed,
              epochs=args.epochs, weight_decay=0.01, trained=trained)
    model, tokenizer = trained[0]

    def score(responses: list[str]) -> list[float]:
        encoded = [encode_prompt_response(tokenizer, p.prompt, r, args.max_length) for p, r in zip(held_out, responses)]
        scores: list[float] = []
        with torch.no_grad():
            for start in range(0, len(encoded), 32):
                scores += model(**tokenizer.pad(encoded[start : start + 32], return_tensors="pt")).logits[:, 0].tolist()
        return scores

    chosen, rejected = score([p.chosen for p in held_out]), score([p.rejected for p in held_out])
    print(f"plain loop: {len(train)} train pairs, {args.epochs} epoch(s), batch {args.batch_size}, max length "
          f"{args.max_length}, lr {args.lr}, weight decay 0.01, seed {args.seed}; {time.perf_counter() - started:.0f} s")
    print(held_out_report(args, held_out, chosen, rejected))


def held_out_report(
    args: argparse.Namespace, held_out: list[PreferencePair], chosen: list[float], rejected: list[float]
) -> str:
    """Write the held-out pairs' rewards to ``--scores-out`` if given; the line of ``evaluate_reward_model``'s
    report that the accuracy figures quote."""
    from verdict_ml.rewards.evaluation import write_pair_scores
    from verdict_ml.rewards.metrics import pairwise_report

    if args.scores_out is not None:
        write_pair_scores(args.scores_out, held_out, chosen, rejected)
    report = pairwise_report(chosen, rejected)
    return (f"held-out ({len(held_out)} pairs of {args.held_out_file}): accuracy {report['accuracy']:.3f} "
            f"(95 % Wilson {report['accuracy_low']:.3f}–{report['accuracy_high']:.3f}), BT loss {report['bt_loss']:.4f}, "
            f"ECE {report['ece']:.3f}, mean margin {report['margin_mean']:.4f}")


def sentence_embeddings(
    model: object, tokenizer: object, pairs: list[PreferencePair], responses: list[str], max_length: int
) -> object:
    """Masked-mean last hidden states of the frozen model, one row per (prompt, response), as a numpy array."""
    import numpy as np
    import torch

    from verdict_ml.rewards.model import pad_batch

    encoded = [encode_prompt_response(tokenizer, p.prompt, r, max_length) for p, r in zip(pairs, responses)]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]["input_ids"]))
    rows = np.zeros((len(encoded), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), 32):
            chunk = order[start : start + 32]
            batch = pad_batch([encoded[i] for i in chunk], tokenizer.pad_token_id)
            mask = batch["attention_mask"].unsqueeze(-1).float()
            hidden = model(**batch).last_hidden_state
            rows[chunk] = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    return rows


def linear_probe_accuracy(args: argparse.Namespace) -> None:
    """A linear reward on frozen sentence embeddings, fitted on ``--train-file`` and scored on the pairs
    ``evaluate_reward_model`` reads from ``--held-out-file``, with the report it prints."""
    import numpy as np
    from sklearn.linear_model import LogisticRegressionCV
    from transformers import AutoModel, AutoTokenizer

    from verdict_ml.rewards.model import default_base_model

    train, held_out = pairs_from_hh_jsonl(args.train_file), evaluation_pairs(args.held_out_file)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(default_base_model())
    model = AutoModel.from_pretrained(default_base_model()).eval()

    def embed(pairs: list[PreferencePair], side: str) -> object:
        return sentence_embeddings(model, tokenizer, pairs, [getattr(p, side) for p in pairs], args.max_length)

    difference = embed(train, "chosen") - embed(train, "rejected")
    # A linear reward without intercept: P(a ≻ b) = σ(w·(e_a − e_b)). Half the pairs, drawn with the seed,
    # are shown rejected-first (label 0) so that both classes exist; the fit is the same in expectation.
    flip = np.random.default_rng(args.seed).random(len(train)) < 0.5
    probe = LogisticRegressionCV(
        Cs=10, cv=5, l1_ratios=(0.0,), scoring="neg_log_loss", fit_intercept=False, max_iter=5000,
        use_legacy_attributes=False,
    ).fit(np.where(flip[:, None], -difference, difference), (~flip).astype(int))
    weights = probe.coef_[0]
    chosen, rejected = (embed(held_out, side) @ weights for side in ("chosen", "rejected"))
    print(f"linear probe: {len(train)} train pairs, max length {args.max_length}, frozen mean-pooled MiniLM, "
          f"C = {probe.C_:.3g} (5-fold CV of the BT loss on the training pairs), seed {args.seed}; {time.perf_counter() - started:.0f} s")
    print(held_out_report(args, held_out, chosen.tolist(), rejected.tolist()))


def throughput(args: argparse.Namespace) -> None:
    from verdict_ml.rewards.model import default_base_model

    pairs = load_pairs()[: args.pairs]
    base = default_base_model()
    if not args.keep_allocator:
        release_large_blocks()  # what the trainer's first run would do: both sides run with it from the start
    config = RewardTrainingConfig(
        objective="bt", batch_size=args.batch_size, max_length=args.max_length, learning_rate=2e-5, epochs=1,
        device="cpu", logging_steps=10_000,
        # The same work as the bare loop: random batches, no gradient clipping (the default clips at 1.0), the
        # token embeddings trained (the default freezes them).
        group_by_length=False, max_grad_norm=None, release_cpu_memory=not args.keep_allocator, freeze_word_embeddings=False,
    )
    print(f"{len(pairs)} HH pairs, batch {args.batch_size}, max_length {args.max_length}, MiniLM, bt, CPU, "
          f"torch threads {os.environ.get('OMP_NUM_THREADS', 'default')}")
    rows = []
    for repeat in range(args.repeats):
        # Alternate which goes first: load from other processes on a shared machine drifts.
        runs = {}
        for name in ("bare", "ours") if repeat % 2 == 0 else ("ours", "bare"):
            if name == "bare":
                runs[name] = bare_loop(pairs, base, args.batch_size, args.max_length, 2e-5, seed=repeat)
            else:
                with tempfile.TemporaryDirectory() as out:
                    runs[name] = train_reward_model(replace(config, seed=repeat), pairs, [], out).pairs_per_second
        rows.append((runs["bare"], runs["ours"]))
        print(f"run {repeat}: bare loop {runs['bare']:.2f} pairs/s | train_reward_model {runs['ours']:.2f} pairs/s "
              f"(optimisation steps only) | ratio {runs['ours'] / runs['bare']:.3f}", flush=True)
    bare = max(r[0] for r in rows)
    ours = max(r[1] for r in rows)
    ratios = sorted(r[1] / r[0] for r in rows)
    median = (ratios[(len(ratios) - 1) // 2] + ratios[len(ratios) // 2]) / 2
    print(f"best of {args.repeats}: bare {bare:.2f} pairs/s, train_reward_model {ours:.2f} pairs/s, "
          f"ratio of bests {ours / bare:.3f}, median of paired ratios {median:.3f} (target >= 0.9)")
    with tempfile.TemporaryDirectory() as out:
        grouped = train_reward_model(replace(config, group_by_length=True), pairs, [], out).pairs_per_second
    print(f"with group_by_length=True (the default; fewer pad tokens): {grouped:.2f} pairs/s")


def hh_accuracy(args: argparse.Namespace) -> None:
    pairs = load_pairs()
    random.Random(args.seed).shuffle(pairs)
    test, train = pairs[: args.test_size], pairs[args.test_size :][: args.train_size]
    config = RewardTrainingConfig(
        objective="bt", learning_rate=args.lr, epochs=args.epochs, batch_size=args.batch_size,
        max_length=args.max_length, seed=args.seed, warmup_ratio=0.1, weight_decay=0.01, use_lora=args.lora,
        device="cpu", logging_steps=25, freeze_word_embeddings=False,
    )
    print(f"HH harmless: {len(train)} train / {len(test)} held-out pairs (split seed {args.seed}); {config}")

    def report(event: object) -> None:
        print(f"  step {event.step}/{event.total_steps} epoch {event.epoch} "
              + " ".join(f"{k}={v:.4f}" for k, v in event.metrics.items()), flush=True)

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = train_reward_model(config, train, test, out, progress=report)
    metrics = result.final_metrics
    print(f"held-out pairwise accuracy {metrics['val_accuracy']:.4f} (BT loss {metrics['val_bt_loss']:.4f}, "
          f"ECE {metrics['val_ece']:.4f}) after {time.perf_counter() - started:.0f} s, "
          f"{result.pairs_per_second:.2f} train pairs/s")


def memory(args: argparse.Namespace) -> None:
    import resource

    import psutil

    process = psutil.Process()

    def rss() -> float:
        return process.memory_info().rss / 2**20

    stages = [("after imports", rss())]
    pairs = load_pairs()
    train, val = pairs[: args.pairs], pairs[args.pairs : args.pairs + args.pairs // 4]
    stages.append(("after reading the pairs", rss()))
    config = RewardTrainingConfig(device="cpu", logging_steps=1, release_cpu_memory=not args.keep_allocator)
    if args.micro_batch_size:
        config.micro_batch_size = args.micro_batch_size
    config.ensemble_size = args.ensemble_size
    samples: list[float] = []

    def sample(event: object) -> None:
        samples.append(rss())

    with tempfile.TemporaryDirectory() as out:
        train_reward_model(config, train, val, out, progress=sample)
    stages.append(("max during training (sampled each step)", max(samples[:-1] or [0.0])))
    stages.append(("after validation", samples[-1]))
    stages.append(("after the run", rss()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"default config, {len(train)} train / {len(val)} validation HH pairs, CPU: "
          f"max_length {config.max_length}, batch {config.batch_size}, micro-batch {config.micro_batch_size}, "
          f"eval batch {config.eval_batch_size}, release_cpu_memory {config.release_cpu_memory}, "
          f"ensemble of {config.ensemble_size}")
    for name, value in stages:
        print(f"  RSS {name}: {value:.0f} MiB")
    print(f"peak RSS (ru_maxrss): {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hh", action="store_true", help="held-out accuracy on HH harmless instead of throughput")
    parser.add_argument("--memory", action="store_true", help="peak RSS of a default CPU training run")
    parser.add_argument("--pairs", type=int, default=64, help="throughput: pairs per run")
    parser.add_argument("--micro-batch-size", type=int, help="memory: instead of the default's")
    parser.add_argument("--ensemble-size", type=int, default=1, help="memory: members trained one after another")
    parser.add_argument("--keep-allocator", action="store_true",
                        help="release_cpu_memory=False: glibc's allocator as it comes, for both sides")
    parser.add_argument("--repeats", type=int, default=6, help="throughput: alternating runs of each")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--lora", action="store_true")
    parser.add_argument("--train-size", type=int, default=1200)
    parser.add_argument("--test-size", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plain-loop", action="store_true",
                        help="held-out accuracy of the bare loop: --train-file, --held-out-file (scripts/split_preferences.py)")
    parser.add_argument("--linear-probe", action="store_true",
                        help="held-out accuracy of a linear reward on frozen sentence embeddings: --train-file, --held-out-file")
    parser.add_argument("--train-file", type=Path)
    parser.add_argument("--held-out-file", type=Path)
    parser.add_argument("--scores-out", type=Path,
                        help="--plain-loop, --linear-probe: also write each held-out pair's rewards (as evaluate_reward_model --scores-out)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    if args.memory:
        memory(args)
    elif args.hh:
        hh_accuracy(args)
    elif args.plain_loop:
        plain_loop_accuracy(args)
    elif args.linear_probe:
        linear_probe_accuracy(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
