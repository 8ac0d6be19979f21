"""Aggregation, text conventions and splits, checked against values worked out by hand."""
from fractions import Fraction

import pytest

from datasets_app.codecs.helpsteer2 import encode_prompt as helpsteer_prompt
from datasets_app.exports.builders.aggregation import aggregate, most_agreeing, pair_agreement, round_half_away
from datasets_app.exports.builders.splits import TRAIN, VALIDATION, hash_fraction, split_of
from datasets_app.exports.builders.text import canonical_justification, statement_and_elaboration


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.5, 3), (-1.5, -2), (Fraction(7, 3), 2), (Fraction(-8, 3), -3), (0.5, 1), (-0.5, -1), (0, 0), (3.49, 3)],
)
def test_round_half_away_from_zero(value, expected):
    assert round_half_away(value) == expected


@pytest.mark.parametrize(
    ("values", "indices", "label", "spread"),
    [
        ([4, 3, 0, 4], (0, 1, 3), 4, 1),  # 11/3 → 4: the outlier 0 is left out
        ([-2, -3, 1, -1], (0, 1, 3), -2, 2),  # range 2 beats every subset with the +1
        ([2, 2, 3], (0, 1, 2), 2, 1),  # three or fewer: all of them, 7/3 → 2
        ([1, 2], (0, 1), 2, 1),  # mean 1.5 rounds half away from zero
        ([-1, -2], (0, 1), -2, 1),
        ([3], (0,), 3, 0),
        # ranges tie at 2 ({0,1,2} / {1,2,3}): equal variance, equal distance of the means (1, 2) from the
        # median 1.5, so the lower mean wins.
        ([0, 1, 2, 3], (0, 1, 2), 1, 2),
        # {1,1,2} and {1,2,2} tie on range 1 and variance; median 2 → mean 5/3 is closer than 4/3.
        ([1, 1, 2, 2, 4], (0, 2, 3), 2, 1),
        # {3,3,3} (range 0) beats the earliest subset.
        ([0, 3, 4, 3, 3], (1, 3, 4), 3, 0),
        # the same value multiset twice: the earliest annotations win.
        ([2, 2, 2, 2], (0, 1, 2), 2, 0),
    ],
)
def test_aggregate_takes_the_three_most_agreeing(values, indices, label, spread):
    result = aggregate(values)
    assert (result.indices, result.value, result.spread) == (indices, label, spread)
    assert most_agreeing(values) == indices


def test_aggregate_needs_a_value():
    with pytest.raises(ValueError, match="at least one"):
        aggregate([])


def test_pair_agreement_counts_same_side_pairs():
    assert pair_agreement([-2, -3, 1, -1]) == (3, 6)
    assert pair_agreement([0, 0]) == (1, 1)
    assert pair_agreement([2]) == (0, 0)
    assert pair_agreement([]) == (0, 0)
    assert pair_agreement([0, 3, 0, -1, 2]) == (2, 10)


def test_helpsteer_prompt_marks_every_turn_after_the_first():
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Name a colour."},
    ]
    assert helpsteer_prompt(messages) == "Hi\n<extra_id_1>Assistant\nHello!\n<extra_id_1>User\nName a colour."
    assert helpsteer_prompt([{"role": "user", "content": "Only one"}]) == "Only one"


def test_helpsteer_prompt_rejects_unknown_roles():
    with pytest.raises(ValueError, match="message 2: unknown role 'tool'"):
        helpsteer_prompt([{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}])


@pytest.mark.parametrize(
    ("text", "swapped", "expected"),
    [
        ("Response A is better than Response B.", False, "@Response 1 is better than @Response 2."),
        ("Response A is better than Response B.", True, "@Response 2 is better than @Response 1."),
        ("@Response 2 wins; response 1 rambles.", True, "@Response 1 wins; @Response 2 rambles."),
        ("  Responses are fine. ", False, "Responses are fine."),
        ("Response A. response\tB, Response  2", True, "@Response 2. @Response 1, @Response 1"),
        ("xResponse A, _Response B, ResponseA, Response AB", False, "xResponse A, _Response B, ResponseA, Response AB"),
        ("(Response B) vs \"Response A\"; émResponse A", False, "(@Response 2) vs \"@Response 1\"; émResponse A"),
        ("Response A", False, "@Response 1"),
    ],
)
def test_justifications_refer_to_canonical_responses(text, swapped, expected):
    assert canonical_justification(text, swapped) == expected


@pytest.mark.parametrize(
    ("text", "statement", "elaboration"),
    [
        ("@Response 1 is better. It is shorter. And right.", "@Response 1 is better.", "It is shorter. And right."),
        ("@Response 2 is better.\n\nMore detail.\n\nEven more.", "@Response 2 is better.", "More detail.\n\nEven more."),
        ("Just one statement", "Just one statement", ""),
        ("", "", ""),
    ],
)
def test_statement_and_elaboration(text, statement, elaboration):
    assert statement_and_elaboration(text) == (statement, elaboration)


def test_splits_follow_the_hash_threshold():
    hashes = [f"{n:064x}" for n in range(2000)]
    validation = {h for h in hashes if split_of(h, 0.1) == VALIDATION}
    assert 120 <= len(validation) <= 280
    assert all((hash_fraction(h) < 0.1) == (h in validation) for h in hashes)
    grown = {h for h in hashes if split_of(h, 0.2) == VALIDATION}
    assert validation <= grown
    assert split_of(hashes[0], 0.0) == TRAIN
    assert split_of(hashes[0], 0.9, declared=TRAIN) == TRAIN
    assert split_of(next(iter(validation)), 0.1, declared="test") == VALIDATION
