"""Anthropic HH-RLHF rows: `chosen` and `rejected` transcripts in the `\n\nHuman: …\n\nAssistant: …` format.

The prompt is everything up to the last `\n\nAssistant:` marker the two transcripts share; the rest of
each is its final reply. Splitting at the shared marker (not at the last marker of `chosen`, as TRL's
helper does) keeps rows whose reply itself contains "Human:" text — the released data has such rows.

The data says only which reply was preferred, not by how much. Verdict stores `chosen` as response 1,
`rejected` as response 2 and an imported annotation of strength −1 ("response 1 slightly better"): the
weakest non-tie preference, so the margin and scaled Bradley–Terry losses (m = |strength| = 1) reduce
to the plain Bradley–Terry loss the data supports, and no strength is invented.
"""
import re

from datasets_app.imports.parsers.fields import text_field
from datasets_app.imports.parsers.records import ErrorLog, ParsedAnnotation, ParsedItem, ParsedResponse, RawRow

HH_MODEL_NAME = "anthropic-hh-rlhf"
HH_PREFERENCE_STRENGTH = -1
ASSISTANT_MARKER = "\n\nAssistant:"
TURN = re.compile(r"\n\n(Human|Assistant):")
ROLES = {"Human": "user", "Assistant": "assistant"}


def transcript_turns(text: str) -> list[dict[str, str]] | None:
    """[{role, content}] of a transcript that starts with `\n\nHuman:`; None when it does not."""
    if not text.startswith("\n\nHuman:"):
        return None
    parts = TURN.split(text)
    return [{"role": ROLES[role], "content": content.strip()} for role, content in zip(parts[1::2], parts[2::2])]


def split_pair(chosen: str, rejected: str) -> tuple[str, str, str] | str:
    """(prompt transcript, chosen reply, rejected reply), or the reason they do not share a prompt."""
    shared = 0
    for a, b in zip(chosen, rejected):
        if a != b:
            break
        shared += 1
    cut = chosen.rfind(ASSISTANT_MARKER, 0, shared)
    if cut < 0:
        return "chosen and rejected share no turns up to an Assistant reply."
    start = cut + len(ASSISTANT_MARKER)
    if "\n\nHuman:" in chosen[start:shared]:
        return "chosen and rejected differ before their last Assistant reply (they do not share the prompt)."
    return chosen[:cut], chosen[start:].strip(), rejected[start:].strip()


def parse_hh_row(row: RawRow, errors: ErrorLog) -> list[ParsedItem]:
    chosen = text_field(row, "chosen", errors)
    rejected = text_field(row, "rejected", errors)
    if chosen is None or rejected is None:
        return []
    if chosen == rejected:
        errors.add(row.file, row.line, "rejected", "is identical to chosen.")
        return []
    split = split_pair(chosen, rejected)
    if isinstance(split, str):
        errors.add(row.file, row.line, "chosen", split)
        return []
    prompt, chosen_reply, rejected_reply = split
    messages = transcript_turns(prompt)
    if not messages or messages[-1]["role"] != "user":
        errors.add(row.file, row.line, "chosen", "must start with '\\n\\nHuman:' and end the prompt on a Human turn.")
        return []
    # An empty reply is kept: the released data prefers silence to an answer in some rows.
    if chosen_reply == rejected_reply:
        errors.add(row.file, row.line, "rejected", "has the same final reply as chosen.")
        return []
    return [
        ParsedItem(
            file=row.file,
            line=row.line,
            messages=messages,
            responses=[
                ParsedResponse(text=chosen_reply, model_name=HH_MODEL_NAME),
                ParsedResponse(text=rejected_reply, model_name=HH_MODEL_NAME),
            ],
            annotation=ParsedAnnotation(preference_strength=HH_PREFERENCE_STRENGTH),
        )
    ]
