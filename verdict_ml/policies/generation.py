"""Batched sampling from a causal policy, with the provenance each sample needs.

Shared by the online DPO round and the outcome simulator. A policy is a folder or hub id that
`AutoModelForCausalLM` loads, optionally with a PEFT adapter; `load_policy` loads it once and the
returned `LoadedPolicy` can be passed to `generate` (and the scoring helpers) any number of times.
Prompts are rendered with the tokenizer's chat template when it has one, else as plain text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verdict_ml.policies.tiny import Prompt, as_messages, as_text

logger = logging.getLogger(__name__)


@dataclass
class LoadedPolicy:
    """A model and its tokenizer, ready on `device`; `source`/`adapter_path` say where they came from."""

    model: Any
    tokenizer: Any
    device: str
    source: str
    adapter_path: str | None = None


@dataclass(frozen=True)
class GenerationParams:
    """The settings a sample was drawn with, kept next to it for provenance."""

    model: str
    adapter_path: str | None
    num_samples: int
    temperature: float
    top_p: float
    max_new_tokens: int
    seed: int | None
    do_sample: bool


@dataclass
class GeneratedText:
    """One sampled completion. `token_ids` are the completion's ids, EOS included when it stopped."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    token_ids: list[int]
    sample_index: int
    params: GenerationParams


PolicyLike = LoadedPolicy | str | Path


def resolve_device(device: str = "auto") -> str:
    import torch

    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_policy(
    path: str | Path,
    adapter_path: str | Path | None = None,
    *,
    device: str = "auto",
    dtype: str = "auto",
) -> LoadedPolicy:
    """Load model + tokenizer; an adapter (given, or `path` itself being an adapter folder) is merged in.

    dtype "auto" is float32 on CPU and bfloat16 on a GPU that supports it.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = resolve_device(device)
    source = str(path)
    adapter = str(adapter_path) if adapter_path is not None else None
    adapter_config = Path(source) / "adapter_config.json"
    if adapter is None and adapter_config.is_file() and not (Path(source) / "config.json").is_file():
        adapter, source = source, json.loads(adapter_config.read_text())["base_model_name_or_path"]
    if dtype == "auto":
        use_bf16 = device.startswith("cuda") and torch.cuda.is_bf16_supported()
        torch_dtype = torch.bfloat16 if use_bf16 else torch.float32
    else:
        torch_dtype = getattr(torch, dtype)

    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype)
    tokenizer_source = adapter if adapter and (Path(adapter) / "tokenizer_config.json").is_file() else source
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    model.to(device)
    model.eval()
    return LoadedPolicy(model=model, tokenizer=tokenizer, device=device, source=source, adapter_path=adapter)


def ensure_policy(policy: PolicyLike, *, device: str = "auto", adapter_path: str | Path | None = None) -> LoadedPolicy:
    if isinstance(policy, LoadedPolicy):
        if adapter_path is not None:
            raise ValueError("adapter_path only applies when the policy is given as a path")
        return policy
    return load_policy(policy, adapter_path, device=device)


def encode_prompts(tokenizer: Any, prompts: Sequence[Prompt]) -> list[list[int]]:
    """Token ids of each prompt as the policy sees it before its answer."""
    if getattr(tokenizer, "chat_template", None):
        return [
            list(
                tokenizer.apply_chat_template(
                    as_messages(prompt), add_generation_prompt=True, tokenize=True, return_dict=True
                )["input_ids"]
            )
            for prompt in prompts
        ]
    return [list(ids) for ids in tokenizer([as_text(prompt) for prompt in prompts])["input_ids"]]


def eos_token_ids(policy: LoadedPolicy) -> set[int]:
    ids = policy.model.generation_config.eos_token_id
    found = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    if policy.tokenizer.eos_token_id is not None:
        found.add(policy.tokenizer.eos_token_id)
    return found


def generate(
    model_path_or_model: PolicyLike,
    prompts: Sequence[Prompt],
    *,
    num_samples: int = 1,
    temperature: float = 1.0,
    top_p: float = 1.0,
    max_new_tokens: int = 64,
    batch_size: int = 16,
    seed: int | None = None,
    device: str = "auto",
    adapter_path: str | Path | None = None,
) -> list[list[GeneratedText]]:
    """`num_samples` completions per prompt, in prompt order.

    temperature 0 means greedy. top-k is switched off so that temperature 1 / top_p 1 samples come
    from the model's own distribution (the KL estimate relies on it). `batch_size` counts sequences;
    prompts are grouped by length so left padding stays short. A `seed` reseeds torch's global RNG.
    """
    import torch

    if num_samples < 1:
        raise ValueError("num_samples must be at least 1")
    policy = ensure_policy(model_path_or_model, device=device, adapter_path=adapter_path)
    tokenizer, model = policy.tokenizer, policy.model
    do_sample = temperature > 0
    params = GenerationParams(
        model=policy.source,
        adapter_path=policy.adapter_path,
        num_samples=num_samples,
        temperature=temperature,
        top_p=top_p,
        max_new_tokens=max_new_tokens,
        seed=seed,
        do_sample=do_sample,
    )
    sampling = {"temperature": temperature, "top_p": top_p, "top_k": 0} if do_sample else {}
    stop_ids = eos_token_ids(policy)
    pad_id = tokenizer.pad_token_id
    if seed is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)

    prompt_ids = encode_prompts(tokenizer, prompts)
    order = sorted(range(len(prompt_ids)), key=lambda i: len(prompt_ids[i]), reverse=True)
    prompts_per_batch = max(1, batch_size // num_samples)
    results: list[list[GeneratedText]] = [[] for _ in prompt_ids]
    with torch.inference_mode():
        for start in range(0, len(order), prompts_per_batch):
            chunk = order[start : start + prompts_per_batch]
            input_ids, attention_mask = left_pad([prompt_ids[i] for i in chunk], pad_id, policy.device)
            output = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                do_sample=do_sample,
                max_new_tokens=max_new_tokens,
                num_return_sequences=num_samples,
                pad_token_id=pad_id,
                eos_token_id=sorted(stop_ids) or None,
                **sampling,
            )
            completions = output[:, input_ids.shape[1] :].tolist()
            for row, ids in enumerate(completions):
                prompt_index = chunk[row // num_samples]
                results[prompt_index].append(
                    _to_generated(ids, stop_ids, tokenizer, len(prompt_ids[prompt_index]), row % num_samples, params)
                )
    return results


def left_pad(sequences: Sequence[Sequence[int]], pad_id: int, device: str) -> tuple[Any, Any]:
    import torch

    width = max(len(ids) for ids in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, ids in enumerate(sequences):
        if ids:
            input_ids[row, width - len(ids) :] = torch.tensor(list(ids), dtype=torch.long)
            attention_mask[row, width - len(ids) :] = 1
    return input_ids.to(device), attention_mask.to(device)


def _to_generated(
    ids: list[int], stop_ids: set[int], tokenizer: Any, prompt_tokens: int, sample_index: int, params: GenerationParams
) -> GeneratedText:
    stop_at = next((position for position, token in enumerate(ids) if token in stop_ids), None)
    if stop_at is None:
        kept, body, finish_reason = ids, ids, "length"
    else:
        kept, body, finish_reason = ids[: stop_at + 1], ids[:stop_at], "stop"
    return GeneratedText(
        text=tokenizer.decode(body, skip_special_tokens=True),
        prompt_tokens=prompt_tokens,
        completion_tokens=len(kept),
        finish_reason=finish_reason,
        token_ids=kept,
        sample_index=sample_index,
        params=params,
    )


def completion_logprobs(
    policy: LoadedPolicy,
    prompt_ids: Sequence[Sequence[int]],
    completion_ids: Sequence[Sequence[int]],
    *,
    batch_size: int = 16,
) -> list[float]:
    """Sum of log π(token | prefix) over each completion's tokens (temperature 1, no truncation)."""
    import torch

    if len(prompt_ids) != len(completion_ids):
        raise ValueError("prompt_ids and completion_ids differ in length")
    model, pad_id = policy.model, policy.tokenizer.pad_token_id
    totals = [0.0] * len(prompt_ids)
    order = sorted(range(len(prompt_ids)), key=lambda i: len(prompt_ids[i]) + len(completion_ids[i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = [i for i in order[start : start + batch_size] if completion_ids[i]]
            if not chunk:
                continue
            sequences = [list(prompt_ids[i]) + list(completion_ids[i]) for i in chunk]
            width = max(len(seq) for seq in sequences)
            input_ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            attention_mask = torch.zeros_like(input_ids)
            completion_mask = torch.zeros_like(input_ids, dtype=torch.bool)
            for row, (i, seq) in enumerate(zip(chunk, sequences, strict=True)):
                input_ids[row, : len(seq)] = torch.tensor(seq)
                attention_mask[row, : len(seq)] = 1
                completion_mask[row, len(prompt_ids[i]) : len(seq)] = True
            input_ids, attention_mask = input_ids.to(policy.device), attention_mask.to(policy.device)
            logits = model(input_ids=input_ids, attention_mask=attention_mask).logits[:, :-1].float()
            token_logps = torch.log_softmax(logits, dim=-1).gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
            sums = (token_logps * completion_mask[:, 1:].to(token_logps.device)).sum(dim=1).tolist()
            for i, value in zip(chunk, sums, strict=True):
                totals[i] = value
    return totals
