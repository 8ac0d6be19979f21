"""One DPO round on preference pairs with TRL's `DPOTrainer`.

Reference policy, the part that is easy to get wrong when rounds are chained:

- Each round's result is, by default, a *merged* full checkpoint (LoRA folded into the weights), so
  the next round starts from a plain model and can put a fresh LoRA on it.
- `reference="previous"` (RLHFlow's repository): the reference is the policy this round starts
  from. With LoRA we pass no `ref_model`, and TRL uses the same weights with the adapter disabled,
  which is exactly that policy, at no extra memory.
- `reference="initial"` (the fixed SFT reference of the paper's summary): on round 1 this is the
  same thing. On later rounds the starting policy already contains the earlier rounds' merged
  adapters, so disabling the new adapter would give the *previous* policy, not the initial one; the
  initial policy is therefore loaded and passed as `ref_model`. Pass `initial_policy_path` for that;
  when it is omitted the starting policy is taken to be the initial one.
- A policy given as an adapter folder is merged into its base on load, so the above holds for it too.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verdict_ml.online_dpo.pairs import PairLike
from verdict_ml.policies.generation import load_policy, resolve_device
from verdict_ml.policies.tiny import ProgressFn, TrainingProgress, as_messages, as_text

logger = logging.getLogger(__name__)

REFERENCES = ("initial", "previous")
PROGRESS_KEYS = ("loss", "rewards/margins", "rewards/accuracies", "rewards/chosen", "rewards/rejected", "learning_rate")


@dataclass
class DPOTrainingConfig:
    beta: float = field(default=0.1, metadata={"help": "DPO β: higher keeps the policy closer to the reference."})
    loss_type: list[str] = field(
        default_factory=lambda: ["sigmoid"],
        metadata={"help": "TRL loss types (sigmoid, hinge, ipo, robust, bco_pair, sppo_hard, apo_zero, …), combined."},
    )
    loss_weights: list[float] | None = field(
        default=None, metadata={"help": "One weight per loss type; None weighs them equally."}
    )
    learning_rate: float = field(
        default=5e-6,
        metadata={"help": "AdamW learning rate. The paper's 5e-7 is for full fine-tuning at 7B; LoRA wants more."},
    )
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "transformers scheduler name."})
    warmup_steps: float = field(default=0.0, metadata={"help": "Warm-up steps, or a ratio of all steps when < 1."})
    num_train_epochs: float = field(default=2.0, metadata={"help": "Passes over the pairs."})
    max_steps: int = field(default=-1, metadata={"help": "Stop after this many steps; -1 lets epochs decide."})
    per_device_train_batch_size: int = field(default=8, metadata={"help": "Pairs per step and device."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Batches per optimiser step."})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay."})
    max_length: int | None = field(
        default=512, metadata={"help": "Prompt + completion tokens kept (truncation_mode keep_start)."}
    )
    use_lora: bool = field(default=True, metadata={"help": "Train a LoRA adapter instead of all weights."})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (scale = alpha / r)."})
    lora_dropout: float = field(default=0.0, metadata={"help": "Dropout on the LoRA branch."})
    lora_target_modules: str | list[str] = field(
        default="all-linear", metadata={"help": "Modules that get adapters; 'all-linear' spares the LM head."}
    )
    merge_adapter: bool = field(
        default=True,
        metadata={"help": "Save LoRA merged into a full checkpoint (what chained rounds need), not the adapter."},
    )
    margin_eval_pairs: int = field(
        default=128, metadata={"help": "Training pairs on which the implicit reward margin is measured before/after."}
    )
    device: str = field(
        default="auto", metadata={"help": "'auto', 'cpu' or 'cuda[:n]'. bf16 is used on GPUs that have it."}
    )
    seed: int = field(default=0, metadata={"help": "Trainer seed (data order, LoRA initialisation)."})


@dataclass
class DPOResult:
    """`checkpoint_path` is None when the run was cancelled; margins are TRL's β-scaled implicit ones.

    When `is_adapter`, the checkpoint is a LoRA adapter for `start_policy_path`; otherwise a full model.
    """

    checkpoint_path: str | None
    is_adapter: bool
    start_policy_path: str
    reference: str
    reference_path: str
    num_pairs: int
    steps: int
    cancelled: bool
    margin_start: float
    margin_end: float | None
    accuracy_start: float
    accuracy_end: float | None
    log_history: list[dict[str, Any]]
    train_runtime_s: float
    steps_per_second: float


def pairs_to_rows(pairs: Sequence[PairLike], conversational: bool) -> list[dict[str, Any]]:
    """TRL preference rows; conversational when the tokenizer has a chat template, as in `generate`."""
    if conversational:
        return [
            {
                "prompt": as_messages(pair.prompt),
                "chosen": [{"role": "assistant", "content": pair.chosen}],
                "rejected": [{"role": "assistant", "content": pair.rejected}],
            }
            for pair in pairs
        ]
    return [{"prompt": as_text(pair.prompt), "chosen": pair.chosen, "rejected": pair.rejected} for pair in pairs]


def train_dpo(
    policy_path: str | Path,
    pairs: Sequence[PairLike],
    output_dir: str | Path,
    *,
    config: DPOTrainingConfig | None = None,
    reference: str = "previous",
    initial_policy_path: str | Path | None = None,
    progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DPOResult:
    """Train the policy at `policy_path` on `pairs` and save the result to `output_dir`.

    `pairs` may mix sampled pairs and human ones; only prompt, chosen and rejected are read.
    """
    import datasets
    import torch
    from transformers import PrinterCallback, ProgressCallback
    from trl import DPOConfig, DPOTrainer

    config = config or DPOTrainingConfig()
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}")
    if not pairs:
        raise ValueError("train_dpo needs at least one preference pair")
    device = resolve_device(config.device)
    on_cpu = device == "cpu"
    policy = load_policy(policy_path, device=device, dtype="float32")
    if policy.adapter_path is not None and config.use_lora and not config.merge_adapter:
        raise ValueError("saving a new adapter on a policy given as an adapter needs merge_adapter=True")
    tokenizer = policy.tokenizer
    start_path = str(policy_path)

    ref_model = None
    reference_path = start_path
    if reference == "initial" and initial_policy_path is not None and str(initial_policy_path) != start_path:
        reference_path = str(initial_policy_path)
        ref_model = load_policy(initial_policy_path, device=device, dtype="float32").model
        if ref_model.get_input_embeddings().num_embeddings != policy.model.get_input_embeddings().num_embeddings:
            raise ValueError("the initial policy's vocabulary differs from the policy being trained")
    elif not config.use_lora:
        ref_model = copy.deepcopy(policy.model)

    peft_config = None
    if config.use_lora:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=config.lora_target_modules,
            task_type="CAUSAL_LM",
        )

    rows = pairs_to_rows(pairs, conversational=bool(getattr(tokenizer, "chat_template", None)))
    train_dataset = datasets.Dataset.from_list(rows)
    eval_dataset = datasets.Dataset.from_list(rows[: config.margin_eval_pairs])
    args = DPOConfig(
        output_dir=str(output_dir),
        beta=config.beta,
        loss_type=list(config.loss_type),
        loss_weights=config.loss_weights,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler_type,
        warmup_steps=config.warmup_steps,
        num_train_epochs=config.num_train_epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.per_device_train_batch_size,
        per_device_eval_batch_size=max(config.per_device_train_batch_size, 16),
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        weight_decay=config.weight_decay,
        max_length=config.max_length,
        truncation_mode="keep_start",
        logging_steps=1,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=config.seed,
        use_cpu=on_cpu,
        bf16=(not on_cpu) and torch.cuda.is_bf16_supported(),
        activation_checkpointing=False,  # transformers 5 name of gradient_checkpointing, which TRL turns on
        dataloader_pin_memory=not on_cpu,
    )
    callback = _progress_callback(progress, should_stop)
    bars_were_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        trainer = DPOTrainer(
            model=policy.model,
            ref_model=ref_model,
            args=args,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=[callback],
        )
    finally:
        if bars_were_enabled:
            datasets.enable_progress_bars()
    # Progress goes to `progress`; the console printers would only add noise to a worker's log.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    before = trainer.evaluate()
    started = time.perf_counter()
    train_output = trainer.train()
    runtime = time.perf_counter() - started
    steps = trainer.state.global_step

    result = DPOResult(
        checkpoint_path=None,
        is_adapter=False,
        start_policy_path=start_path,
        reference=reference,
        reference_path=reference_path,
        num_pairs=len(pairs),
        steps=steps,
        cancelled=callback.stopped,
        margin_start=before["eval_rewards/margins"],
        margin_end=None,
        accuracy_start=before["eval_rewards/accuracies"],
        accuracy_end=None,
        log_history=list(trainer.state.log_history),
        train_runtime_s=runtime,
        steps_per_second=float(train_output.metrics.get("train_steps_per_second", steps / max(runtime, 1e-9))),
    )
    if callback.stopped:
        logger.info("DPO cancelled after %d steps; nothing saved", steps)
        return result

    after = trainer.evaluate()
    result.margin_end = after["eval_rewards/margins"]
    result.accuracy_end = after["eval_rewards/accuracies"]
    result.log_history = list(trainer.state.log_history)
    result.checkpoint_path = _save(trainer.model, tokenizer, Path(output_dir), config)
    result.is_adapter = config.use_lora and not config.merge_adapter
    logger.info(
        "DPO: %d pairs, %d steps, margin %.4f -> %.4f, saved to %s",
        len(pairs), steps, result.margin_start, result.margin_end, result.checkpoint_path,
    )
    return result


def _save(model: Any, tokenizer: Any, output_dir: Path, config: DPOTrainingConfig) -> str:
    output_dir.mkdir(parents=True, exist_ok=True)
    if config.use_lora and config.merge_adapter:
        model = model.merge_and_unload()
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return str(output_dir)


def _progress_callback(progress: ProgressFn | None, should_stop: Callable[[], bool] | None) -> Any:
    """A TrainerCallback forwarding TRL's per-step logs to `progress` and turning `should_stop()` into a stop.

    Defined here so that importing this module does not import transformers.
    """
    from transformers import TrainerCallback

    class ProgressCallback(TrainerCallback):
        stopped = False

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if should_stop is not None and should_stop():
                self.stopped = True
                control.should_training_stop = True
            return control

        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
        ) -> Any:
            if progress is not None and logs and "loss" in logs:
                metrics = {key: float(logs[key]) for key in PROGRESS_KEYS if key in logs}
                progress(TrainingProgress(stage="dpo", step=state.global_step, total=state.max_steps, metrics=metrics))
            return control

    return ProgressCallback()
