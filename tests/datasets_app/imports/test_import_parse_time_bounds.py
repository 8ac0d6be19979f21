"""Parsing time grows linearly with the upload, whatever its shape. Two shapes grew with its square: a
JSON line of many escaped quotes (the nesting pre-scan rescanned the rest of the line from each quote: a
1 MB line took over an hour) and a HelpSteer2 file whose rows all share one prompt (each row was counted
against every other). The guard is generous, a bound on the complexity rather than a timing: each case
takes milliseconds now and minutes before."""
import signal
from contextlib import contextmanager

from datasets_app.imports.parsers.helpsteer import MAX_RESPONSES_PER_PROMPT, parse_helpsteer_rows
from datasets_app.imports.parsers.records import ErrorLog, RawRow
from datasets_app.imports.parsers.values import BadValue, load_json


@contextmanager
def within(seconds: int):
    def stop(signum, frame):
        raise TimeoutError(f"still parsing after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_line_of_escaped_quotes_is_refused_in_linear_time():
    line = '"' + '\\"' * 200_000 + "[" * 65

    with within(20):
        try:
            load_json(line)
        except (ValueError, BadValue):
            pass  # invalid JSON either way; what matters is that the answer comes


def test_nesting_is_still_measured_outside_strings():
    deep = '{"a": ' + "[" * 70 + "]" * 70 + "}"
    try:
        load_json(deep)
    except BadValue as error:
        assert error.field == "a"
    else:
        raise AssertionError("a 70-deep value was accepted")
    assert load_json('{"k": "x[[[[", "b": 1}') == {"k": "x[[[[", "b": 1}


def test_one_prompt_for_many_rows_is_cut_off_and_named():
    rows = (
        RawRow("h.jsonl", line, {"prompt": "hi", "response": f"r{line:08d}", "helpfulness": 1, "correctness": 1,
                                 "coherence": 1, "complexity": 1, "verbosity": 1})
        for line in range(1, 5 * MAX_RESPONSES_PER_PROMPT + 1)
    )
    errors = ErrorLog()

    with within(20):
        list(parse_helpsteer_rows(rows, errors))

    first = errors.as_list()[0]
    assert (first["line"], first["field"]) == (MAX_RESPONSES_PER_PROMPT + 1, "prompt")
