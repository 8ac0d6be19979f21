"""A tiny causal policy built from the project's own text, so that the online DPO loop runs with no hub.

`build_tiny_policy` trains a byte-level BPE tokenizer with a chat template, builds a small Llama from
`defaults/tiny_policy.json` and fine-tunes it briefly (causal LM loss on chat-formatted prompt +
response) so that its samples are word-like. The result is an ordinary `from_pretrained` folder, so
everything downstream treats it like any hub checkpoint.

torch and transformers are imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verdict_ml.config import MAX_SEED, config_check, setting

logger = logging.getLogger(__name__)

DEFAULT_MODEL_CONFIG = Path(__file__).parent / "defaults" / "tiny_policy.json"

PAD_TOKEN = "<|pad|>"
EOS_TOKEN = "<|end|>"
ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>")
# Role markers are special tokens and there is no whitespace around them, so the prompt rendered with
# `add_generation_prompt=True` is an exact token prefix of prompt + answer (TRL's DPO relies on this).
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "<|{{ message['role'] }}|>{{ message['content'] }}<|end|>"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|assistant|>{%- endif -%}"
)

Messages = list[dict[str, str]]
Prompt = Messages | str


@dataclass
class TrainingProgress:
    """One progress report from a training function; `metrics` holds the latest logged values."""

    stage: str
    step: int
    total: int
    metrics: dict[str, float] = field(default_factory=dict)


ProgressFn = Callable[[TrainingProgress], None]


@dataclass
class TinyPolicyConfig:
    model_config_path: str = setting(
        str(DEFAULT_MODEL_CONFIG), help="JSON with the tiny model's LlamaConfig fields (vocab size comes from the tokenizer).",
    )
    vocab_size: int = setting(
        2000, ge=300, le=50000,
        help="Target BPE vocabulary size, special tokens included; smaller if the text has few merges.",
    )
    min_frequency: int = setting(2, ge=1, help="Minimum pair count for a BPE merge.")
    epochs: int = setting(20, ge=1, help="Passes over the examples in the SFT phase.")
    max_steps: int | None = setting(
        400, ge=1, help="Upper bound on SFT optimiser steps, whatever the number of examples; None: epochs decide.",
    )
    batch_size: int = setting(32, ge=1, help="Examples per SFT step.")
    learning_rate: float = setting(5e-3, gt=0, help="AdamW learning rate for the SFT phase.")
    max_length: int = setting(128, ge=8, help="Formatted examples are cut to this many tokens.")
    seed: int = setting(0, ge=0, le=MAX_SEED, help="Seed for weight initialisation and example order.")
    num_threads: int | None = setting(None, ge=1, help="torch intra-op threads; None leaves torch's setting alone.")


def as_messages(prompt: Prompt) -> Messages:
    """A bare string prompt is one user turn."""
    return [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)


def as_text(prompt: Prompt) -> str:
    """A prompt for a tokenizer without a chat template: the turns' contents, one per line."""
    return prompt if isinstance(prompt, str) else "\n".join(message["content"] for message in prompt)


def build_tiny_policy(
    examples: Sequence[tuple[Prompt, str]],
    output_dir: str | Path,
    *,
    config: TinyPolicyConfig | None = None,
    progress: ProgressFn | None = None,
) -> str:
    """Train tokenizer + tiny Llama on (prompt, response) examples and save both to `output_dir`.

    Returns the output folder, loadable with `AutoModelForCausalLM` / `AutoTokenizer.from_pretrained`.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = config or TinyPolicyConfig()
    config_check(config)
    if not examples:
        raise ValueError("build_tiny_policy needs at least one (prompt, response) example")
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)

    conversations = [
        as_messages(prompt) + [{"role": "assistant", "content": response}] for prompt, response in examples
    ]
    texts = [message["content"] for conversation in conversations for message in conversation]
    tokenizer = train_chat_tokenizer(texts, vocab_size=config.vocab_size, min_frequency=config.min_frequency)

    model_fields = json.loads(Path(config.model_config_path).read_text())
    model_fields.pop("model_type", None)
    model_config = LlamaConfig(
        **model_fields,
        vocab_size=len(tokenizer),
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(config.seed)
    model = LlamaForCausalLM(model_config)
    _sft(model, tokenizer, conversations, config, progress)

    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None
    )
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    return str(output)


def train_chat_tokenizer(texts: Sequence[str], *, vocab_size: int = 2000, min_frequency: int = 2) -> Any:
    """Byte-level BPE tokenizer with pad/eos/role special tokens and `CHAT_TEMPLATE`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    special_tokens = [PAD_TOKEN, EOS_TOKEN, *ROLE_TOKENS]
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        additional_special_tokens=list(ROLE_TOKENS),
        padding_side="left",
        model_max_length=2048,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def _sft(
    model: Any, tokenizer: Any, conversations: list[Messages], config: TinyPolicyConfig, progress: ProgressFn | None
) -> None:
    """Plain causal-LM loop over whole formatted conversations; padding is masked out of the loss."""
    import torch

    sequences = [
        tokenizer.apply_chat_template(conversation, tokenize=True, return_dict=True)["input_ids"][: config.max_length]
        for conversation in conversations
    ]
    steps_per_epoch = -(-len(sequences) // config.batch_size)
    total = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.05, 1.0 - step / max(total, 1)))
    generator = torch.Generator().manual_seed(config.seed)
    pad_id = tokenizer.pad_token_id
    model.train()
    step = 0
    started = time.perf_counter()
    while step < total:
        order = torch.randperm(len(sequences), generator=generator).tolist()
        for start in range(0, len(order), config.batch_size):
            batch = [sequences[i] for i in order[start : start + config.batch_size]]
            width = max(len(ids) for ids in batch)
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, ids in enumerate(batch):
                input_ids[row, : len(ids)] = torch.tensor(ids)
                attention_mask[row, : len(ids)] = 1
            labels = input_ids.masked_fill(attention_mask == 0, -100)
            loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if progress is not None:
                progress(TrainingProgress(stage="sft", step=step, total=total, metrics={"loss": loss.item()}))
            if step >= total:
                break
    model.eval()
    elapsed = time.perf_counter() - started
    logger.info("tiny policy SFT: %d steps in %.1f s, last loss %.3f", total, elapsed, loss.item())
