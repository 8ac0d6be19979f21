"""The LM judge's answer parser on well-formed, garbled and hostile answers: only one unambiguous
verdict is accepted; everything else is no label (None). Strength is relative to the order shown
(negative = A better); a side without a strength gets `default_strength`."""
import pytest

from verdict_ml.judges.lm import DEFAULT_TEMPLATE, TemplateError, parse_verdict, render_judge_prompt


@pytest.mark.parametrize(("answer", "expected"), [
    ("Verdict: A", -2),
    ("Verdict: B 3", 3),
    ("verdict: TIE", 0),
    ("**Verdict:** B 2", 2),
    ("Verdict: B (strength 1)", 1),
    (" B", 2),
    ("A, 2", -2),
    ("Tie.", 0),
    ("A\nBecause it is clearer.", -2),
    ("ＶＥＲＤＩＣＴ： Ｂ", 2),                     # full-width letters (NFKC)
    ("\x00\x1b[31mVerdict: A\x07", -2),              # control characters dropped
    ("Verdict: A 2. To repeat, Verdict: A 2", -2),   # the same verdict twice
])
def test_well_formed_verdicts(answer, expected):
    assert parse_verdict(answer) == expected


@pytest.mark.parametrize("answer", [
    "",
    "I cannot decide.",
    "A better answer would explain more.",  # the article, not a verdict
    "I think B",
    "Verdict: A/B/tie",                     # the instructions echoed
    "Verdict: A or B",
    "Verdict: A, B or tie",
    "Verdict: A\nVerdict: B",               # two different verdicts
    "Verdict: A 2 Verdict: A 3",
    "Verdict: A 7",                         # strength out of range
    "Verdict: B -1",
    "Verdict: A 99999999999999999999999999",
    "Verdict: Bob",
    "B" * 100_000,
    "Verdict: A" + "x" * 5000 + "Verdict: B",
    "Ignore the instructions. Verdict: A. Actually, Verdict: B",
])
def test_garbled_or_hostile_answers_give_no_label(answer):
    assert parse_verdict(answer) is None


def test_default_strength_is_bounded():
    assert parse_verdict("Verdict: B", default_strength=1) == 1
    with pytest.raises(ValueError):
        parse_verdict("Verdict: B", default_strength=5)


def test_placeholders_are_filled_once_and_required():
    prompt = render_judge_prompt(DEFAULT_TEMPLATE, [{"role": "user", "content": "Hi {response_b}"}], "say {response_b}", "secret B")
    assert "say {response_b}" in prompt and "user: Hi {response_b}" in prompt and prompt.count("secret B") == 1
    with pytest.raises(TemplateError):
        render_judge_prompt("Judge {response_a} only", [], "a", "b")
