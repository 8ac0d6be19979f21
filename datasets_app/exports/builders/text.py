"""Text conventions of the exported formats: "@Response N" justifications and their statement/elaboration
split. HelpSteer2 prompt strings are `datasets_app.codecs.helpsteer2`, shared with imports and training."""
import re

# Annotators see the two responses as A and B, in an order that may be swapped. They may name them
# "Response A/B", "@Response A/B", "@A/@B", or "Response 1/2" meaning the first / second shown (the
# order on their screen); imported justifications say "Response 1/2" in stored order, and imported
# annotations are never swapped, so "shown" and "stored" agree for them. Every form becomes
# "@Response 1/2" in stored order, HelpSteer2-Preference's convention. Bare letters ("A is better")
# stay as written: "A" is also an English word.
# A reference is "[@]Response X" or "@A"/"@B" starting a word. The pattern leaves out the leading "@?\b"
# (which would make the regex engine try every position of the text) and the replacement checks the
# character before the match instead, about twice as fast on exports of a million justifications.
RESPONSE_REFERENCE = re.compile(r"[Rr]esponse\s+([AB12])\b|@([AB])\b")
SHOWN_NUMBERS = {"A": "1", "B": "2", "1": "1", "2": "2"}
SWAPPED_NUMBERS = {"A": "2", "B": "1", "1": "2", "2": "1"}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def canonical_justification(text: str, swapped: bool) -> str:
    """Rewrite references to the responses as "@Response 1" / "@Response 2" in stored order."""

    text = text.strip()
    if "esponse" not in text and "@" not in text:
        return text
    numbers = SWAPPED_NUMBERS if swapped else SHOWN_NUMBERS

    def replace(match: re.Match) -> str:
        start = match.start()
        before = text[start - 1] if start else " "
        if match.group(2) is not None:  # "@A" / "@B"; inside a word ("x@A", "me@B.org") it is not a reference
            if before.isalnum() or before == "_":
                return match.group(0)
            return f"@Response {numbers[match.group(2)]}"
        if before == "@":  # keep the "@" already there
            return f"Response {numbers[match.group(1)]}"
        if before.isalnum() or before == "_":  # inside a word ("xResponse A"): not a reference
            return match.group(0)
        return f"@Response {numbers[match.group(1)]}"

    return RESPONSE_REFERENCE.sub(replace, text)


def statement_and_elaboration(justification: str) -> tuple[str, str]:
    """Split a justification as HelpSteer2-Preference does: a one-line statement, then the elaboration.
    The statement is the first paragraph when there is a blank line, else the first sentence."""
    text = justification.strip()
    if "\n\n" in text:
        statement, elaboration = text.split("\n\n", 1)
        return statement.strip(), elaboration.strip()
    parts = SENTENCE_END.split(text, maxsplit=1)
    return parts[0].strip(), parts[1].strip() if len(parts) > 1 else ""
