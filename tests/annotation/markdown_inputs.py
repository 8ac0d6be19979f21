"""Markdown that made backtracking renderers super-linear (issue 13, point 2). Shared by the
regression test (tests/annotation/test_markdown_rendering.py) and benchmarks/rendering.py."""
from collections.abc import Callable


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * max(1, size // len(unit))


PATHOLOGICAL_INPUTS: dict[str, Callable[[int], str]] = {
    "[": _repeat("["),
    "[a](": _repeat("[a]("),
    "*a": _repeat("*a"),
    "_a": _repeat("_a"),
    "![": _repeat("!["),
    "[](": _repeat("[]("),
    "**a": _repeat("**a"),
    "*_": _repeat("*_"),
    "~~a": _repeat("~~a"),
    "`a": _repeat("`a"),
    "<": _repeat("<"),
    "<a ": _repeat("<a "),
    "&#": _repeat("&#"),
    "\\": _repeat("\\"),
    ">": _repeat(">"),
    "> ": _repeat("> "),
    "- ": _repeat("- "),
    "nested [ ]": lambda size: "[" * (size // 2) + "]" * (size // 2),
    "nested * *": lambda size: "*" * (size // 2 - 1) + "a" + "*" * (size // 2 - 1),
    "table": lambda size: "|a|b|\n|-|-|\n" + "|x|y|\n" * (size // 6),
    "wide table": lambda size: "|a" * (size // 4) + "|\n" + "|-" * (size // 4) + "|\n",
    "[a]: refs": _repeat("[a]: b\n"),
    "indented lists": lambda size: "".join("  " * (i % 400) + "- a\n" for i in range(size // 400)),
    "link titles": _repeat('[a](b "'),
    "code fences": _repeat("```\n"),
}
