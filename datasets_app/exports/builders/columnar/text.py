"""builders.text's conventions, and the HelpSteer2 prompt encoding, over whole columns.

The vectorised rules run on ASCII text, where Rust's regex classes and Python's agree exactly
(whitespace is spelled out: Python's `\\s` and `str.strip()` include \\x1c–\\x1f, Rust's do not); any
text with a non-ASCII character goes through the Python function itself."""
from collections.abc import Callable

import polars as pl

from datasets_app.codecs.helpsteer2 import MARKERS
from datasets_app.exports.builders.text import canonical_justification, statement_and_elaboration

WHITESPACE = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"  # str.isspace() within ASCII
_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"
_NOT_WORD_OR_AT = r"[^0-9A-Za-z_@]"
_NOT_WORD = r"[^0-9A-Za-z_]"
NON_ASCII = r"[^\x00-\x7f]"
MESSAGES = pl.List(pl.Struct({"role": pl.String, "content": pl.String}))


# Rewritten references first become these placeholders, which no later pattern matches, so a
# reference rewritten to "Response 2" is never read again as the shown "Response 2". Texts holding a
# placeholder character already go through the Python function.
_PLACEHOLDER = {"1": "\x01", "2": "\x02"}
_PLACEHOLDERS = r"[\x01\x02\x03]"


def _references(text: pl.Expr, shown: str, number: str) -> pl.Expr:
    """References to the response shown as `shown` (a character class of labels) rewritten to
    "@Response `number`" (as a placeholder): after "@" the "@" stays; inside a word ("xResponse A")
    nothing changes."""
    target = f"Response {_PLACEHOLDER[number]}"
    reference = rf"[Rr]esponse{_SPACE}+{shown}\b"
    text = text.str.replace_all(rf"@{reference}", f"@{target}")
    return text.str.replace_all(rf"(^|{_NOT_WORD_OR_AT}){reference}", f"${{1}}@{target}")


def _mark_at_letters(text: pl.Expr) -> pl.Expr:
    """"@A" / "@B", unless inside a word ("x@A"), marked "\x03A" / "\x03B" in one pass, so that each
    one's left neighbour is read in the original text ("@A@B": "@B" follows a letter), as Python does."""
    return text.str.replace_all(rf"(^|{_NOT_WORD})@([AB])\b", "${1}\x03${2}")


def _canonical(text: pl.Expr, swapped: pl.Expr) -> pl.Expr:
    marked = _mark_at_letters(text)

    def mapped(first: str, second: str) -> pl.Expr:
        out = _references(_references(marked, "[A1]", first), "[B2]", second)
        out = out.str.replace_all("\x03A", f"@Response {first}", literal=True)
        out = out.str.replace_all("\x03B", f"@Response {second}", literal=True)
        return out.str.replace_all("\x01", "1", literal=True).str.replace_all("\x02", "2", literal=True)

    return pl.when(swapped).then(mapped("2", "1")).otherwise(mapped("1", "2"))


def _with_python_fallback(
    vectorised: pl.Series, texts: pl.Series, python: Callable[[int], object], dtype: pl.DataType | None = None,
    odd_pattern: str = NON_ASCII,
) -> pl.Series:
    """`vectorised` with the rows whose text matches `odd_pattern` (by default: is not ASCII) replaced by
    `python(row index)`."""
    odd = texts.str.contains(odd_pattern).fill_null(False)
    if not odd.any():
        return vectorised
    indices = odd.arg_true()
    values = pl.Series([python(i) for i in indices.to_list()], dtype=dtype or vectorised.dtype)
    return vectorised.scatter(indices, values)


def canonical_justifications(texts: pl.Series, swapped: pl.Series) -> pl.Series:
    """canonical_justification of every text (None stays None), `swapped` per row."""
    frame = pl.DataFrame({"text": texts, "swapped": swapped.fill_null(False)})
    vectorised = frame.select(_canonical(pl.col("text").str.strip_chars(WHITESPACE), pl.col("swapped"))).to_series()
    text_list, swapped_list = texts.to_list(), frame["swapped"]
    return _with_python_fallback(
        vectorised, texts, lambda i: canonical_justification(text_list[i], bool(swapped_list[i])),
        odd_pattern=f"{NON_ASCII}|{_PLACEHOLDERS}",
    ).alias(texts.name)


def statements_and_elaborations(justifications: pl.Series) -> pl.DataFrame:
    """statement_and_elaboration of every justification, as columns `statement` and `elaboration`."""
    text = pl.col("text").str.strip_chars(WHITESPACE)
    paragraph = text.str.extract_groups(r"(?s)^(.*?)\n\n(.*)$")
    sentence = text.str.extract_groups(rf"(?s)^(.*?[.!?]){_SPACE}+(.*)$")
    has_paragraph = text.str.contains("\n\n", literal=True)
    frame = pl.DataFrame({"text": justifications}).select(
        statement=pl.when(has_paragraph).then(paragraph.struct.field("1")).otherwise(
            pl.coalesce(sentence.struct.field("1"), text)).str.strip_chars(WHITESPACE),
        elaboration=pl.when(has_paragraph).then(paragraph.struct.field("2")).otherwise(
            pl.coalesce(sentence.struct.field("2"), pl.lit(""))).str.strip_chars(WHITESPACE),
    )
    texts = justifications.to_list()
    parts: dict[int, tuple[str, str]] = {}

    def part(index: int, which: int) -> str:
        if index not in parts:
            parts[index] = statement_and_elaboration(texts[index])
        return parts[index][which]

    return pl.DataFrame({
        "statement": _with_python_fallback(frame["statement"], justifications, lambda i: part(i, 0)),
        "elaboration": _with_python_fallback(frame["elaboration"], justifications, lambda i: part(i, 1)),
    })


def decoded_messages(messages_json: pl.Series) -> pl.Series:
    """Prompt messages (JSON text) as lists of {role, content}."""
    return messages_json.str.json_decode(MESSAGES)


def helpsteer_prompts(messages: pl.Series) -> pl.Series:
    """codecs.helpsteer2.encode_prompt of every decoded message list; an unknown role raises ValueError
    as it does."""
    roles = messages.explode().struct.field("role")
    unknown = roles.filter(~roles.is_in(list(MARKERS)) | roles.is_null())
    if len(unknown):
        raise ValueError(f"unknown role {unknown[0]!r} in a prompt's messages")
    markers = pl.element().struct.field("role").replace_strict(MARKERS, return_dtype=pl.String)
    content = pl.element().struct.field("content")
    first_user = (pl.int_range(pl.len()) == 0) & (pl.element().struct.field("role") == "user")
    turns = pl.when(first_user).then(content).otherwise(pl.concat_str(markers, pl.lit("\n"), content))
    return pl.DataFrame({"m": messages}).select(pl.col("m").list.eval(turns).list.join("\n")).to_series()
