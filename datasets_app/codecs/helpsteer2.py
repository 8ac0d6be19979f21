"""HelpSteer2's prompt markup, the one encoder and decoder of it (nvidia/HelpSteer2, arXiv 2406.08673;
the markers are those of NeMo's SteerLM templates).

A HelpSteer2 `prompt` holds the conversation before the response. The first turn, when it is a user
turn, stands as is; every other turn follows a line of its own that names its role:
`<extra_id_1>User`, `<extra_id_1>Assistant`, or, for a system turn, `<extra_id_0>System`. Turns are
joined by one newline:

    <extra_id_0>System          Hi
    Be brief.                   <extra_id_1>Assistant
    <extra_id_1>User            Hello!
    Hi                          <extra_id_1>User
                                Name a colour.

`decode_prompt(encode_prompt(messages)) == messages` for every conversation with at least one message
whose texts hold no marker line of their own (the format has no escape for one). The decoder also
accepts marker lines ending in spaces, tabs or a carriage return, as files edited on other systems have.
"""
import re

# The five Likert attributes HelpSteer2 rates each response on (0–4), in its column order.
HELPSTEER_ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
MARKERS = {"system": "<extra_id_0>System", "user": "<extra_id_1>User", "assistant": "<extra_id_1>Assistant"}
ROLES = {marker: role for role, marker in MARKERS.items()}
MARKER_LINE = re.compile(
    "^(" + "|".join(re.escape(marker) for marker in ROLES) + r")[ \t]*\r?$", re.MULTILINE
)


def encode_prompt(messages: list[dict[str, str]]) -> str:
    """HelpSteer2's prompt string of [{role, content}, …]; a role other than system, user or assistant
    raises ValueError."""
    parts: list[str] = []
    for index, message in enumerate(messages):
        role = message["role"]
        if role not in MARKERS:
            raise ValueError(f"message {index + 1}: unknown role {role!r}")
        if index == 0 and role == "user":
            parts.append(message["content"])
        else:
            parts.append(f"{MARKERS[role]}\n{message['content']}")
    return "\n".join(parts)


def decode_prompt(text: str) -> list[dict[str, str]]:
    """[{role, content}, …] of a HelpSteer2 prompt string. Text before the first marker line is the
    first user turn; a string that starts with a marker line has none. Any string decodes; whether the
    conversation suits a purpose (ends with a user turn, has no empty turn) is the caller's to check."""
    # [text before the first marker line, marker, text after it, marker, …]: a turn's text starts with
    # the newline that ends its marker line and, unless it is the last, ends with the newline joining
    # it to the next marker line; neither newline belongs to the turn.
    parts = MARKER_LINE.split(text)
    turns = [("user", parts[0])] if parts[0] or len(parts) == 1 else []
    for marker, content in zip(parts[1::2], parts[2::2], strict=True):
        turns.append((ROLES[marker], content.removeprefix("\n")))
    last = len(turns) - 1
    return [
        {"role": role, "content": content if index == last else content.removesuffix("\n")}
        for index, (role, content) in enumerate(turns)
    ]
