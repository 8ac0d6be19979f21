"""Issue 15.1: annotators see the responses as A and B in a per-assignment order, and may refer to them
as "A"/"B" with "Response" or "@", or as "Response 1/2" meaning the first/second shown. Every form must
export as HelpSteer2-Preference's "@Response 1/2" in stored order, on the per-group path and the
vectorised path alike."""
import random

import polars as pl
import pytest

from datasets_app.exports.builders.columnar.text import canonical_justifications
from datasets_app.exports.builders.text import canonical_justification
from datasets_app.exports.services import dataset_version_create
from tests.datasets_app.export_builders import annotate, pair, raters, read_jsonl

# Every way an annotator may name the response shown first / second.
FIRST_SHOWN = ["Response A", "response A", "@Response A", "@A", "Response 1", "response 1", "@Response 1", "Response\t1"]
SECOND_SHOWN = ["Response B", "response B", "@Response B", "@B", "Response 2", "response 2", "@Response 2", "Response  2"]
CASES = [(first, second) for first in FIRST_SHOWN for second in SECOND_SHOWN if first[-1] in "A1" and second[-1] in "B2"]


@pytest.mark.parametrize("form", FIRST_SHOWN)
@pytest.mark.parametrize(("swapped", "stored"), [(False, "1"), (True, "2")])
def test_every_form_of_the_first_shown_response_maps_by_stored_order(form, swapped, stored):
    text = f"{form} is more complete."
    expected = f"@Response {stored} is more complete."
    assert canonical_justification(text, swapped) == expected
    assert canonical_justifications(pl.Series([text]), pl.Series([swapped])).to_list() == [expected]


@pytest.mark.parametrize("form", SECOND_SHOWN)
@pytest.mark.parametrize(("swapped", "stored"), [(False, "2"), (True, "1")])
def test_every_form_of_the_second_shown_response_maps_by_stored_order(form, swapped, stored):
    text = f"I prefer {form}, it is right."
    expected = f"I prefer @Response {stored}, it is right."
    assert canonical_justification(text, swapped) == expected
    assert canonical_justifications(pl.Series([text]), pl.Series([swapped])).to_list() == [expected]


@pytest.mark.parametrize("swapped", [False, True])
def test_both_responses_in_one_text_never_collapse_onto_one(swapped):
    text = "Response 1 beats @B; @A is shorter than Response 2."
    first, second = ("2", "1") if swapped else ("1", "2")
    expected = f"@Response {first} beats @Response {second}; @Response {first} is shorter than @Response {second}."
    assert canonical_justification(text, swapped) == expected
    assert canonical_justifications(pl.Series([text]), pl.Series([swapped])).to_list() == [expected]


@pytest.mark.parametrize("text", ["x@A is odd", "mail me@B.org", "@Alice is right", "@Bob", "A is better", "Response C"])
def test_what_is_not_a_reference_stays(text):
    assert canonical_justification(text, True) == text
    assert canonical_justifications(pl.Series([text]), pl.Series([True])).to_list() == [text]


PIECES = ["Response A", "Response B", "Response 1", "response 2", "@A", "@B", "@Response 1", "@Response B", "x@A",
          "@Ab", "@", "A", "B", " ", ",", ".", "\n", "é", "\x01", "\x02", "Response\t2", "(@B)", "@@A"]


def test_vectorised_and_python_rules_agree_on_every_form():
    rng = random.Random(15)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8))) for _ in range(3000)]
    swapped = [rng.random() < 0.5 for _ in texts]
    vectorised = canonical_justifications(pl.Series(texts), pl.Series(swapped)).to_list()
    assert vectorised == [canonical_justification(text, flag) for text, flag in zip(texts, swapped, strict=True)]


@pytest.mark.django_db
def test_the_reported_case_exports_the_statement_about_the_chosen_response(project, researcher, django_capture_on_commit_callbacks):
    """Swapped item: the annotator chose "A is better" (−2 as shown, +2 stored) and wrote "@Response 1 is
    more complete" about A, the response shown first, which is stored response 2."""
    swapped_rater, plain_rater = raters(2)
    swapped_item = pair(project, "Which is complete?", "Short.", "Long and complete.")
    annotate(swapped_item, swapped_rater, swapped=True, preference_strength=2,
             justification="@Response 1 is more complete. Response B stops early.")
    plain_item = pair(project, "Which is right?", "Right.", "Wrong.")
    annotate(plain_item, plain_rater, preference_strength=-2, justification="Response 1 is right. @B is wrong.")
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=project, format="helpsteer2-preference", created_by=researcher,
                                         policy={"validation_fraction": 0.0})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    rows = {row["response_2"]: row for row in read_jsonl(version, "preference")}
    assert rows["Long and complete."]["preference_strength"] == 2
    assert rows["Long and complete."]["preference_statement"] == "@Response 2 is more complete."
    assert rows["Long and complete."]["preference_elaboration"] == "@Response 1 stops early."
    assert rows["Wrong."]["preference_statement"] == "@Response 1 is right."
    assert rows["Wrong."]["preference_elaboration"] == "@Response 2 is wrong."
