"""Reward-model training data: preference pairs, Likert attribute examples, and their encoding.

Nothing here imports torch; encoding only needs a (fast) Hugging Face tokenizer object.
"""
from __future__ import annotations

import gzip
import json
import logging
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ATTRIBUTES: tuple[str, ...] = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
"""HelpSteer2 attribute order; a 5-output regression head predicts them in this order."""

Message = dict[str, str]


@dataclass(frozen=True)
class PreferencePair:
    """One human preference: the same prompt, a chosen and a rejected final reply.

    ``strength`` is |preference strength| in {1, 2, 3} (HelpSteer2-Preference magnitude); margin BT
    and scaled BT use it as m.
    """

    prompt: list[Message]
    chosen: str
    rejected: str
    strength: int = 1


@dataclass(frozen=True)
class AttributeExample:
    """One response with Likert attribute scores (0–4), keyed by the names in ``ATTRIBUTES``."""

    prompt: list[Message]
    response: str
    scores: dict[str, float] = field(default_factory=dict)


_HH_TURN = re.compile(r"\n\n(Human|Assistant):")
_HH_ROLE = {"Human": "user", "Assistant": "assistant"}


def parse_hh_transcript(text: str) -> list[Message]:
    """Split an HH-RLHF transcript ("\\n\\nHuman: …\\n\\nAssistant: …") into chat messages."""
    parts = _HH_TURN.split(text)
    messages: list[Message] = []
    for speaker, content in zip(parts[1::2], parts[2::2]):
        messages.append({"role": _HH_ROLE[speaker], "content": content.strip()})
    return messages


def pairs_from_hh_jsonl(path: str | Path) -> list[PreferencePair]:
    """Read HH-RLHF ``{"chosen", "rejected"}`` rows (``.jsonl`` or ``.jsonl.gz``) as preference pairs.

    The prompt is every turn but the last assistant reply. Rows whose transcripts do not share
    that prompt, or do not end with an assistant reply, are skipped (and counted in the log).
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    pairs: list[PreferencePair] = []
    skipped = 0
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            chosen = parse_hh_transcript(row["chosen"])
            rejected = parse_hh_transcript(row["rejected"])
            usable = (
                chosen
                and rejected
                and chosen[-1]["role"] == "assistant"
                and rejected[-1]["role"] == "assistant"
                and chosen[:-1] == rejected[:-1]
                and chosen[-1]["content"] != rejected[-1]["content"]
            )
            if not usable:
                skipped += 1
                continue
            pairs.append(PreferencePair(chosen[:-1], chosen[-1]["content"], rejected[-1]["content"]))
    if skipped:
        logger.info("pairs_from_hh_jsonl: skipped %d of %d rows in %s", skipped, skipped + len(pairs), path)
    return pairs


def prompt_to_text(prompt: list[Message]) -> str:
    """Flatten chat messages for tokenizers without a chat template (e.g. BERT)."""
    return "\n".join(f"{m['role']}: {m['content']}" for m in prompt)


def encode_prompt_response(
    tokenizer: Any, prompt: list[Message], response: str, max_length: int
) -> dict[str, list[int]]:
    """Token ids for (prompt, response), at most ``max_length`` long, prompt truncated from the left.

    With a chat template the conversation is rendered by it; otherwise the prompt text and the
    response are encoded as a text pair (BERT: ``[CLS] prompt [SEP] response [SEP]``). The response
    is kept whole unless it alone exceeds the budget (then its end is cut).
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("reward training needs a fast (tokenizers-backed) tokenizer")
    # tokenizer.json may carry fixed padding/truncation; transformers resets both on every call.
    backend.no_truncation()
    backend.no_padding()
    if getattr(tokenizer, "chat_template", None):
        return _encode_with_template(tokenizer, backend, prompt, response, max_length)
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    budget = max_length - specials
    prompt_enc = backend.encode(prompt_to_text(prompt), add_special_tokens=False)
    response_enc = backend.encode(response, add_special_tokens=False)
    if len(response_enc.ids) > budget:
        response_enc.truncate(budget, direction="right")
    prompt_enc.truncate(max(budget - len(response_enc.ids), 0), direction="left")
    merged = backend.post_process(prompt_enc, response_enc, add_special_tokens=True)
    encoded = {"input_ids": list(merged.ids)}
    if "token_type_ids" in tokenizer.model_input_names:
        encoded["token_type_ids"] = list(merged.type_ids)
    return encoded


def _encode_with_template(
    tokenizer: Any, backend: Any, prompt: list[Message], response: str, max_length: int
) -> dict[str, list[int]]:
    full = tokenizer.apply_chat_template(
        [*prompt, {"role": "assistant", "content": response}], tokenize=False
    )
    head = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    if not full.startswith(head):
        head, tail = "", full
    else:
        tail = full[len(head):]
    head_ids = backend.encode(head, add_special_tokens=False).ids if head else []
    tail_ids = backend.encode(tail, add_special_tokens=False).ids[:max_length]
    keep = max_length - len(tail_ids)
    head_ids = head_ids[len(head_ids) - keep:] if keep > 0 else []
    return {"input_ids": [*head_ids, *tail_ids]}


class LengthGroupedBatches:
    """Batch sampler that puts rows of similar length together (like transformers' ``group_by_length``).

    Each epoch: shuffle, sort by length within windows of ``window`` batches, cut into batches, shuffle
    the batches. Padding (most of the compute when lengths vary, as in HH transcripts) drops a lot,
    while every batch still mixes rows from across the window.
    """

    def __init__(self, lengths: list[int], batch_size: int, seed: int, window: int = 50) -> None:
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.window = window
        self.epoch = 0

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        self.epoch += 1
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        span = self.batch_size * self.window
        batches: list[list[int]] = []
        for start in range(0, len(order), span):
            chunk = sorted(order[start : start + span], key=lambda i: -self.lengths[i])
            batches.extend(chunk[j : j + self.batch_size] for j in range(0, len(chunk), self.batch_size))
        rng.shuffle(batches)
        return iter(batches)
