"""Split a preference file into a training part and a prompt-disjoint held-out part, by prompt hash.

    .venv/bin/python scripts/split_preferences.py ../shared/data/hh-harmless-dev.jsonl.gz --out-dir /tmp/hh --held-out 0.2
    .venv/bin/python scripts/split_preferences.py ../shared/data/hh-harmless-dev.jsonl.gz --out-dir /tmp/hh-1 --folds 5 --fold 1

Writes OUT_DIR/train.jsonl.gz and OUT_DIR/held-out.jsonl.gz (the input's lines, unchanged). Each prompt
hashes to u = int(sha256(prompt)[:8], 16) / 2³² in [0, 1), so every row with the same prompt lands on the
same side (no prompt in both) and the split does not depend on row order. ``--held-out F`` holds out the
rows with u < F. ``--folds K --fold I`` (K-fold cross-validation) holds out the rows with I/K ≤ u < (I+1)/K:
the K held-out files partition the input, and fold 0 of 5 is the same split as ``--held-out 0.2``. The
prompt: for HH-RLHF rows (`chosen`/`rejected` transcripts) every turn of `chosen` before its last Assistant
reply; otherwise the row's `prompt` (or `messages`) value as canonical JSON.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verdict_ml.rewards.data import parse_hh_transcript, prompt_to_text


def prompt_key(row: dict) -> str:
    if "chosen" in row and "rejected" in row and isinstance(row["chosen"], str) and "prompt" not in row:
        return prompt_to_text(parse_hh_transcript(row["chosen"])[:-1])
    return json.dumps(row.get("prompt", row.get("messages")), sort_keys=True, ensure_ascii=False)


def prompt_position(key: str) -> float:
    """Where the prompt falls in [0, 1): a fixed function of its text."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 2**32


def held_out_range(args: argparse.Namespace) -> tuple[float, float]:
    """The [low, high) range of prompt positions held out."""
    if args.folds is None:
        if args.fold is not None:
            sys.exit("--fold needs --folds")
        if not 0 < args.held_out < 1:
            sys.exit(f"--held-out must lie strictly between 0 and 1, got {args.held_out}")
        return 0.0, args.held_out
    if args.folds < 2 or args.fold is None or not 0 <= args.fold < args.folds:
        sys.exit(f"--folds K needs K ≥ 2 and --fold I with 0 ≤ I < K (got --folds {args.folds} --fold {args.fold})")
    return args.fold / args.folds, (args.fold + 1) / args.folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="a .jsonl or .jsonl.gz preference file")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--held-out", type=float, default=0.2, help="share of prompts held out (default 0.2)")
    parser.add_argument("--folds", type=int, help="K-fold cross-validation: the number of folds (instead of --held-out)")
    parser.add_argument("--fold", type=int, help="with --folds: which fold (0 … K − 1) is held out")
    args = parser.parse_args()
    low, high = held_out_range(args)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {side: args.out_dir / f"{side}.jsonl.gz" for side in ("train", "held-out")}
    partial = {side: path.with_name(path.name + ".partial") for side, path in outputs.items()}
    try:
        counts = split_rows(args.file, partial, low, high)
    except (InputError, OSError, EOFError, UnicodeDecodeError) as error:
        for path in partial.values():
            path.unlink(missing_ok=True)
        sys.exit(f"split_preferences: {error}")
    for side, path in partial.items():
        path.replace(outputs[side])
    print(f"{counts['train']} rows → {outputs['train']}, {counts['held-out']} rows → {outputs['held-out']}")


class InputError(ValueError):
    """A line of the input that is no preference row, named with its line."""


def split_rows(file: Path, out: dict[str, Path], low: float, high: float) -> dict[str, int]:
    """Copy each line of ``file`` to ``out["held-out"]`` when its prompt's position lies in [low, high), else
    to ``out["train"]``; returns the counts. Raises InputError naming the first line that is not a JSON object."""
    opener = gzip.open if file.suffix == ".gz" else open
    counts = {"train": 0, "held-out": 0}
    with opener(file, "rt", encoding="utf-8") as source, \
            gzip.open(out["train"], "wt", encoding="utf-8") as train, \
            gzip.open(out["held-out"], "wt", encoding="utf-8") as test:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{file}, line {number}: not JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"{file}, line {number}: expected a JSON object, got {type(row).__name__}")
            side = "held-out" if low <= prompt_position(prompt_key(row)) < high else "train"
            (test if side == "held-out" else train).write(line if line.endswith("\n") else line + "\n")
            counts[side] += 1
    return counts

if __name__ == "__main__":
    main()
