"""Time to render pathological model text (issue 13, point 2), per input.

    .venv/bin/python benchmarks/rendering.py                     # 1 MB and 50 KB (the size cap) of each
    .venv/bin/python benchmarks/rendering.py --old-size 5000     # and python-markdown, if installed

The renderer in use is timed at each `--size`; with `--old-size`, python-markdown + nh3 (the renderer
Verdict used before; `pip install Markdown`) is timed too, in a child process killed after
`--old-timeout` seconds, so a backtracking input cannot hang the benchmark.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.test")

import django

django.setup()

from annotation.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown  # noqa: E402
from tests.annotation.markdown_inputs import PATHOLOGICAL_INPUTS  # noqa: E402


def old_render(text: str) -> str:
    """python-markdown with raw HTML patterns removed, then nh3: what rendering.py did before."""
    import markdown
    import nh3

    md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return nh3.clean(md.convert(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"})


def _time_old(name: str, size: int, result: multiprocessing.Queue) -> None:
    text = PATHOLOGICAL_INPUTS[name](size)[:size]
    started = time.perf_counter()
    old_render(text)
    result.put(time.perf_counter() - started)


def time_old(name: str, size: int, timeout: float) -> str:
    result: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_time_old, args=(name, size, result))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return f"> {timeout:.0f} s"
    return f"{result.get():.3f} s" if not result.empty() else "error"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, action="append", help="characters per input (repeatable)")
    parser.add_argument("--old-size", type=int, default=0, help="also time python-markdown at this size (0: no)")
    parser.add_argument("--old-timeout", type=float, default=10.0)
    args = parser.parse_args()
    sizes = args.size or [1_000_000, 50_000]
    try:
        import markdown  # noqa: F401

        old_available = args.old_size > 0
    except ImportError:
        old_available = False
    header = "| input | " + " | ".join(f"{size:,} chars" for size in sizes)
    header += f" | python-markdown, {args.old_size:,} chars |" if old_available else " |"
    print(header)
    print("|" + " --- |" * (len(sizes) + 1 + old_available))
    for name, make in PATHOLOGICAL_INPUTS.items():
        cells = []
        for size in sizes:
            text = make(size)[:size]
            started = time.perf_counter()
            render_markdown(text)
            cells.append(f"{time.perf_counter() - started:.3f} s")
        if old_available:
            cells.append(time_old(name, args.old_size, args.old_timeout))
        print(f"| `{name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
