"""Figures for the policy side of online DPO: generation throughput, DPO step rate, and a demo loop.

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/online_round.py
    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/online_round.py --demo-rounds 3

Without `--policy` a tiny policy is built from the synthetic corpus in `policy_toy`. The demo's
scripted reward prefers responses made of words from a fixed set; DPO prompts and held-out prompts
are about disjoint nouns.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verdict_ml.online_dpo import DPOTrainingConfig, evaluate_policy, score_samples, select_pairs, train_dpo
from verdict_ml.policies.generation import LoadedPolicy, encode_prompts, generate, left_pad, load_policy
from verdict_ml.policies.tiny import TinyPolicyConfig, build_tiny_policy
from verdict_ml.policies.toy import NOUNS, toy_chat_examples, toy_prompts, word_preference_reward

TRAIN_NOUNS, HELD_OUT_NOUNS = NOUNS[:14], NOUNS[14:]


def plain_generate_tokens(
    policy: LoadedPolicy, prompts: list, *, num_samples: int, max_new_tokens: int, batch_size: int
) -> int:
    """The baseline: prompts in their given order, left-padded per batch, one `model.generate` per batch."""
    import torch

    tokenizer, model = policy.tokenizer, policy.model
    prompt_ids = encode_prompts(tokenizer, prompts)
    per_batch = max(1, batch_size // num_samples)
    eos = tokenizer.eos_token_id
    tokens = 0
    with torch.inference_mode():
        for start in range(0, len(prompt_ids), per_batch):
            batch = prompt_ids[start : start + per_batch]
            input_ids, attention_mask = left_pad(batch, tokenizer.pad_token_id, policy.device)
            output = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                do_sample=True,
                top_k=0,
                max_new_tokens=max_new_tokens,
                num_return_sequences=num_samples,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=eos,
            )
            for row in output[:, input_ids.shape[1] :].tolist():
                tokens += row.index(eos) + 1 if eos in row else len(row)
    return tokens


def benchmark(policy_path: str, args: argparse.Namespace) -> None:
    import torch

    policy = load_policy(policy_path, device=args.device)
    prompts = toy_prompts(args.prompts, seed=7)
    gen = {"num_samples": args.num_samples, "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size}
    plain_rates, ours_rates = [], []
    for repeat in range(args.repeats):
        torch.manual_seed(repeat)
        started = time.perf_counter()
        tokens = plain_generate_tokens(policy, prompts, **gen)
        plain_rates.append(tokens / (time.perf_counter() - started))
        started = time.perf_counter()
        samples = generate(policy, prompts, seed=repeat, **gen)
        tokens = sum(sample.completion_tokens for group in samples for sample in group)
        ours_rates.append(tokens / (time.perf_counter() - started))
    plain, ours = statistics.median(plain_rates), statistics.median(ours_rates)
    print(
        f"generation ({args.prompts} prompts x {args.num_samples} samples, batch {args.batch_size}, "
        f"max {args.max_new_tokens} new tokens, device {policy.device}):"
    )
    print(f"  plain model.generate loop: {plain:8.0f} tokens/s (median of {args.repeats})")
    print(f"  generation.generate:       {ours:8.0f} tokens/s  ratio {ours / plain:.2f}x")

    reward_fn = word_preference_reward()
    pairs = select_pairs(score_samples(prompts, samples, reward_fn))
    with tempfile.TemporaryDirectory() as out:
        config = DPOTrainingConfig(
            learning_rate=5e-3, num_train_epochs=2, per_device_train_batch_size=8, device=args.device
        )
        result = train_dpo(policy_path, pairs, out, config=config)
    print(
        f"DPO ({len(pairs)} pairs, batch 8, LoRA): {result.steps} steps, {result.steps_per_second:.1f} steps/s, "
        f"margin {result.margin_start:.3f} -> {result.margin_end:.3f}"
    )


def demo(policy_path: str, workdir: Path, args: argparse.Namespace) -> None:
    reward_fn = word_preference_reward()
    train_prompts = toy_prompts(args.demo_prompts, seed=11, nouns=TRAIN_NOUNS)
    held_out = toy_prompts(64, seed=12, nouns=HELD_OUT_NOUNS)
    gen = {"num_samples": args.num_samples, "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size}
    config = DPOTrainingConfig(
        learning_rate=args.demo_lr, num_train_epochs=2, per_device_train_batch_size=8, device=args.device
    )
    baseline = evaluate_policy(policy_path, None, None, held_out, reward_fn, seed=100, device=args.device, **gen)
    print(
        f"round 0: held-out mean reward {baseline['mean_reward']:.3f}  "
        f"tokens {baseline['mean_response_tokens']:.1f}"
    )
    current = policy_path
    for round_number in range(1, args.demo_rounds + 1):
        started = time.perf_counter()
        samples = generate(current, train_prompts, seed=round_number, device=args.device, **gen)
        scored = score_samples(train_prompts, samples, reward_fn)
        pairs = select_pairs(scored, "best_vs_worst", seed=round_number)
        result = train_dpo(
            current, pairs, workdir / f"round{round_number}", config=config,
            reference=args.reference, initial_policy_path=policy_path,
        )
        report = evaluate_policy(
            result.checkpoint_path, policy_path, current, held_out, reward_fn, seed=100, device=args.device, **gen
        )
        sample_reward = statistics.fmean(s.reward for group in scored for s in group)
        print(
            f"round {round_number}: sampled reward {sample_reward:.3f}  pairs {len(pairs)}  "
            f"margin {result.margin_start:.3f}->{result.margin_end:.3f}  "
            f"held-out mean reward {report['mean_reward']:.3f}  win vs previous {report['win_rate_vs_previous']:.2f}  "
            f"KL to initial {report['kl_to_reference']:.2f}  tokens {report['mean_response_tokens']:.1f}  "
            f"({time.perf_counter() - started:.1f} s)"
        )
        current = result.checkpoint_path
    final = generate(current, held_out[:3], seed=0, device=args.device, max_new_tokens=args.max_new_tokens)
    for prompt, group in zip(held_out[:3], final, strict=True):
        print(f"  {prompt[0]['content']!r} -> {group[0].text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", help="AutoModelForCausalLM folder or hub id; default: build the tiny policy")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--num-samples", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--demo-rounds", type=int, default=0, help="run this many sample→score→pairs→DPO→evaluate rounds"
    )
    parser.add_argument("--demo-prompts", type=int, default=128)
    parser.add_argument("--demo-lr", type=float, default=3e-3)
    parser.add_argument("--reference", choices=("previous", "initial"), default="previous")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        policy_path = args.policy
        if policy_path is None:
            started = time.perf_counter()
            examples = toy_chat_examples(400, seed=0)
            policy_path = build_tiny_policy(examples, Path(tmp) / "tiny", config=TinyPolicyConfig())
            print(f"tiny policy built from 400 examples in {time.perf_counter() - started:.1f} s")
        if args.demo_rounds:
            demo(policy_path, Path(tmp), args)
        else:
            benchmark(policy_path, args)


if __name__ == "__main__":
    main()
