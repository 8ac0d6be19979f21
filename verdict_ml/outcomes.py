"""Outcome simulators, free of Django: given a scenario (conversation, hidden context, facts) and a
response, write a short plausible outcome of the user acting on the response.

Two kinds:
- template: deterministic. The option the user ends up with is the response's explicit `choice`
  (set on import) or else the option the response mentions last; its facts fill `template`
  (`{choice}`, `{price}`, `{price_clause}`, `{outcome}`, `{goal}`, `{hidden_context}`). With no
  option, `no_choice_template` is filled, `{outcome}` being the facts' `no_choice_outcome`.
- model: any causal LM folder or hub id, prompted with an editable template (`{hidden_context}`,
  `{goal}`, `{conversation}`, `{response}`) through the shared generation backend. Prompts that do
  not fit the model's context are shortened (conversation from the left, others from the right).
"""
from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PROMPT_PATH = Path(__file__).parent / "prompts" / "default_outcome_prompt.txt"
DEFAULT_OUTCOME_TEMPLATE = "You followed the advice and chose {choice}{price_clause}. {outcome}"
DEFAULT_NO_CHOICE_TEMPLATE = "You did not pick any of the options. {outcome}"
PROMPT_FIELDS = ("hidden_context", "goal", "conversation", "response")
TEMPLATE_FIELDS = ("choice", "price", "price_clause", "outcome", "goal", "hidden_context")
SHRINKABLE = ("conversation", "response", "hidden_context")
MIN_FIELD_CHARS = 64  # fields are not cut below this; the prompt then loses its start instead


@dataclass(frozen=True)
class OutcomeRequest:
    """One (scenario, response) to simulate; `key` identifies it to the caller (the response id)."""

    key: int
    messages: list[dict[str, str]]
    response: str
    hidden_context: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    choice: str | None = None


@dataclass(frozen=True)
class SimulatedText:
    key: int
    text: str
    simulator_input: str
    params: dict[str, Any]


def default_prompt_template() -> str:
    return DEFAULT_PROMPT_PATH.read_text(encoding="utf-8")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def template_problems(template: str, allowed: Sequence[str]) -> list[str]:
    """What is wrong with a `str.format` template: bad braces or fields outside `allowed`."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        return [f"Not a valid template ({error}); write a literal brace as {{{{ or }}}}."]
    unknown = sorted({name for name in names if name not in allowed})
    if "" in names:
        return [f"Empty {{}} field; use one of {', '.join('{' + a + '}' for a in allowed)}."]
    if unknown:
        return [f"Unknown field(s) {', '.join('{' + u + '}' for u in unknown)}; allowed: {', '.join('{' + a + '}' for a in allowed)}."]
    return []


# ---------------------------------------------------------------- template simulator


def _names(option: dict[str, Any]) -> list[str]:
    return [str(option["name"])] + [str(alias) for alias in option.get("aliases", [])]


def find_option(facts: dict[str, Any], name: str) -> dict[str, Any] | None:
    wanted = name.strip().lower()
    for option in facts.get("options") or []:
        if wanted in (n.lower() for n in _names(option)):
            return option
    return None


def resolve_choice(facts: dict[str, Any], response: str, explicit: str | None = None) -> dict[str, Any] | None:
    """The option the user ends up with: the explicit choice, else the option mentioned last."""
    if explicit:
        return find_option(facts, explicit)
    best: tuple[int, dict[str, Any]] | None = None
    for option in facts.get("options") or []:
        for name in _names(option):
            for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", response, flags=re.IGNORECASE):
                if best is None or match.start() > best[0]:
                    best = (match.start(), option)
    return best[1] if best else None


def _tidy(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).replace(" .", ".").strip()


def template_outcome(request: OutcomeRequest, *, template: str, no_choice_template: str) -> SimulatedText:
    facts = request.facts or {}
    option = resolve_choice(facts, request.response, request.choice)
    fields = {"goal": str(facts.get("goal", "")), "hidden_context": request.hidden_context}
    if option is not None:
        price = str(option.get("price", "") or "")
        fields |= {
            "choice": str(option["name"]),
            "price": price,
            "price_clause": f" for {price}" if price else "",
            "outcome": str(option.get("outcome", "")),
        }
        text = template.format_map(fields)
    else:
        fallback = f"What you did not know then: {request.hidden_context}" if request.hidden_context else ""
        fields |= {"choice": "", "price": "", "price_clause": "", "outcome": str(facts.get("no_choice_outcome") or fallback)}
        text = no_choice_template.format_map(fields)
    return SimulatedText(
        key=request.key,
        text=_tidy(text),
        simulator_input="",
        params={"choice": option["name"] if option else None, "choice_source": "explicit" if request.choice else "mention"},
    )


# ---------------------------------------------------------------- language-model simulator


def render_conversation(messages: Sequence[dict[str, str]]) -> str:
    return "\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages)


def prompt_fields(request: OutcomeRequest) -> dict[str, str]:
    return {
        "hidden_context": request.hidden_context or "(none)",
        "goal": str((request.facts or {}).get("goal", "")),
        "conversation": render_conversation(request.messages),
        "response": request.response,
    }


def _prompt_length(tokenizer: Any, text: str) -> int:
    from verdict_ml.policies.generation import encode_prompts

    return len(encode_prompts(tokenizer, [[{"role": "user", "content": text}]])[0])


def fit_prompt(tokenizer: Any, template: str, request: OutcomeRequest, limit: int | None) -> tuple[str, bool]:
    """The rendered prompt, shortened until it fits `limit` tokens; (text, whether it was shortened).

    First the longest field is cut (the conversation keeps its end, the others their start); if the
    template itself is too long for the model, the prompt keeps its end (where the task is stated).
    """
    fields = prompt_fields(request)
    text = template.format_map(fields)
    length = _prompt_length(tokenizer, text)
    shortened = False
    while limit is not None and length > limit:
        name = max(SHRINKABLE, key=lambda key: len(fields[key]))
        value = fields[name]
        keep = max(MIN_FIELD_CHARS, int(len(value) * min(0.8, limit / length)))
        if keep >= len(value) - 1:
            break
        fields[name] = "…" + value[-keep:] if name == "conversation" else value[:keep] + "…"
        shortened = True
        text = template.format_map(fields)
        length = _prompt_length(tokenizer, text)
    while limit is not None and length > limit:
        text = "…" + text[len(text) - max(1, int(len(text) * min(0.9, limit / length))):]
        shortened = True
        length = _prompt_length(tokenizer, text)
    return text, shortened


def context_limit(policy: Any, max_new_tokens: int) -> int | None:
    positions = getattr(policy.model.config, "max_position_embeddings", None)
    if positions is None:
        return None
    limit = positions - max_new_tokens
    if limit < 16:
        raise ValueError(f"max_new_tokens={max_new_tokens} leaves no room for a prompt in a {positions}-token model")
    return limit


def load_simulator(model_path: str, *, device: str = "auto") -> Any:
    from verdict_ml.policies.generation import load_policy

    return load_policy(model_path, device=device)


def model_outcomes(
    policy: Any,
    requests: Sequence[OutcomeRequest],
    *,
    prompt_template: str,
    temperature: float,
    top_p: float,
    max_new_tokens: int,
    seed: int | None,
    batch_size: int = 8,
) -> list[SimulatedText]:
    """One sampled outcome per request, from a policy loaded with `load_simulator`."""
    from verdict_ml.policies.generation import generate

    limit = context_limit(policy, max_new_tokens)
    prompts = [fit_prompt(policy.tokenizer, prompt_template, request, limit) for request in requests]
    samples = generate(
        policy,
        [[{"role": "user", "content": text}] for text, _ in prompts],
        num_samples=1,
        temperature=temperature,
        top_p=top_p,
        max_new_tokens=max_new_tokens,
        seed=seed,
        batch_size=batch_size,
    )
    results = []
    for request, (text, shortened), (sample,) in zip(requests, prompts, samples, strict=True):
        params = {
            "temperature": temperature,
            "top_p": top_p,
            "max_new_tokens": max_new_tokens,
            "seed": seed,
            "do_sample": sample.params.do_sample,
            "adapter_path": sample.params.adapter_path,
            "finish_reason": sample.finish_reason,
            "prompt_tokens": sample.prompt_tokens,
            "completion_tokens": sample.completion_tokens,
            "prompt_shortened": shortened,
        }
        results.append(SimulatedText(key=request.key, text=sample.text.strip(), simulator_input=text, params=params))
    return results
