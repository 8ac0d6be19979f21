"""A causal LM as a pairwise judge: an editable prompt template, and a parser for the model's answer.

The template holds three placeholders, `{conversation}`, `{response_a}` and `{response_b}`, filled in
one pass (a response that itself contains "{response_b}" is not expanded again). The model's answer is
untrusted text: `parse_verdict` reads at most `MAX_ANSWER_CHARS` of it and accepts only an unambiguous
verdict — "Verdict: A", "Verdict: B 3", "Verdict: tie", or an answer that *is* a verdict ("B", "A, 2",
"Tie.") — and returns None for anything else (no verdict, two different verdicts, a strength outside
1–3, an echo of the instructions such as "A/B/tie" or "A or B"). None is stored as no label."""
from __future__ import annotations

import re
import unicodedata

PLACEHOLDERS = ("conversation", "response_a", "response_b")
MAX_ANSWER_CHARS = 2000

DEFAULT_TEMPLATE = """You are judging two assistant responses to the same conversation.

Conversation:
{conversation}

Response A:
{response_a}

Response B:
{response_b}

Which response is more helpful, honest and harmless? Answer with one line: "Verdict: A", "Verdict: B" or \
"Verdict: tie", followed by how much better it is (1 = slightly, 2 = better, 3 = much better), e.g. "Verdict: B 2".
Verdict:"""

_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_SIDE = r"(?:response\s+|assistant\s+|answer\s+)?(a|b|tie)"
# After a side: not an echo of the choices ("A/B", "A or B", "A, B or tie", "A | B").
_NOT_A_LIST = r"(?!\s*(?:/|\||or\s|,\s*(?:b|tie)\b))"
_STRENGTH = r"(?:[\s,;:()\[\]*]*(?:strength\s*[:=]?\s*)?(-?\d+)\b)?"
_MARKED = re.compile(r"verdict\s*\**\s*[:=-]?\s*\**\s*" + _SIDE + r"\b" + _NOT_A_LIST + _STRENGTH, re.IGNORECASE)
# An answer that is a bare verdict: the side, then the end, punctuation, a line break or a number — not a
# word, so that "A better answer is B" (the article) is not read as a verdict for A.
_BARE = re.compile(
    r"^[\s\W_]*" + _SIDE + r"(?=$|[.!:,;)\]*]|\s*\n|\s+-?\d)" + _NOT_A_LIST + _STRENGTH, re.IGNORECASE
)
_SIGNS = {"a": -1, "b": 1, "tie": 0}


class TemplateError(ValueError):
    pass


def check_template(template: str) -> str:
    missing = [name for name in PLACEHOLDERS if "{" + name + "}" not in template]
    if missing:
        raise TemplateError("the judging prompt needs the placeholder(s) " + ", ".join("{" + m + "}" for m in missing))
    return template


def conversation_text(messages: list[dict[str, str]], max_chars: int) -> str:
    lines = [f"{m.get('role', 'user')}: {m.get('content', '')}" for m in messages]
    return _clip("\n".join(lines), max_chars)


def _clip(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def render_judge_prompt(template: str, messages: list[dict[str, str]], response_a: str, response_b: str, *,
                        max_chars: int = 4000) -> str:
    """The template with its placeholders filled (each text clipped to `max_chars`), in one pass."""
    values = {"conversation": conversation_text(messages, max_chars), "response_a": _clip(response_a, max_chars),
              "response_b": _clip(response_b, max_chars)}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], check_template(template))


def _normalised(text: str) -> str:
    """NFKC (full-width letters become ASCII), control characters but line breaks dropped, clipped."""
    text = unicodedata.normalize("NFKC", str(text)[: MAX_ANSWER_CHARS * 2])[:MAX_ANSWER_CHARS]
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def _strength(side: str, number: str | None, default_strength: int) -> int | None:
    sign = _SIGNS[side.lower()]
    if sign == 0:
        return 0
    if not number:  # re's findall gives '' for an absent group
        return sign * default_strength
    value = int(number)
    return sign * value if 1 <= value <= 3 else None


def parse_verdict(answer: str, *, default_strength: int = 2) -> int | None:
    """The strength relative to the order shown (negative = response A better), or None when the answer
    holds no single, well-formed verdict. `default_strength` (1–3) is used when a side comes without one."""
    if not 1 <= default_strength <= 3:
        raise ValueError("default_strength must be 1, 2 or 3")
    text = _normalised(answer)
    found = {_strength(side, number, default_strength) for side, number in _MARKED.findall(text)}
    if not found:
        bare = _BARE.match(text)
        found = {_strength(bare.group(1), bare.group(2), default_strength)} if bare else set()
    if len(found) != 1:
        return None  # none, or several verdicts that differ
    return found.pop()
