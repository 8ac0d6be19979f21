"""The per-group row builders (`exporters.formats`) on groups with more than three judgements, against
rows worked out by hand. The columnar path sends exactly these groups to them, and the random tests
only compare the two paths, which a rule wrong in both would pass.

The pair (annotation ids 11–16, in order):

    strength  +3     −1     −2     −2     +1     neither acceptable
    id        11     12     13     14     15     16

Three most agreeing strengths: {−1, −2, −2} (ids 12–14, range 1, the only subset of range ≤ 1).
Their mean −5/3 rounds to −2, spread 1. (The mean of all five, −0.2, and of the first three, 0, would
both be a tie.) The statement comes from the earliest of them nearest −2: id 13. Agreement over the
five strengths: two positive, three negative → 1 + 3 = 4 agreeing pairs of 10.
"""
from datasets_app.exports.builders.formats import helpsteer2_preference_rows, helpsteer2_rows, trl_preference_rows
from datasets_app.exports.builders.policy import ExportPolicy
from datasets_app.exports.builders.records import ItemGroup, Judgement, ResponseGroup
from datasets_app.exports.builders.stats import ExportStats

MESSAGES = [{"role": "user", "content": "Which answer?"}]
JUDGEMENTS = [
    Judgement(11, "p-a", "human", 3, "@Response 2 is far better."),
    Judgement(12, "p-b", "human", -1, "@Response 1 is slightly better. It is shorter."),
    Judgement(13, "p-c", "human", -2, "@Response 1 is better.\n\nIt cites a source."),
    Judgement(14, "p-d", "human", -2, "@Response 1 is better. Fewer errors."),
    Judgement(15, "p-e", "human", 1, ""),
    Judgement(16, "p-f", "human", None, "", True),
]


def item(judgements: list[Judgement] = JUDGEMENTS, split: str = "train") -> ItemGroup:
    return ItemGroup(7, MESSAGES, split, "First reply.", "Second reply.", ("m1", "m2"), None, judgements)


def judged(*strengths: int) -> list[Judgement]:
    return [Judgement(20 + index, f"p{index}", "human", strength) for index, strength in enumerate(strengths)]


def test_helpsteer2_preference_row_of_five_judgements():
    """Guards: the per-group builder aggregating all judgements (or the first three) instead of the three
    most agreeing, taking the statement from another judgement, or mis-listing the unprocessed ones."""
    stats = ExportStats()
    rows = helpsteer2_preference_rows(item(), ExportPolicy(), stats)

    assert rows == [("preference", "train", (
        "train", "Which answer?", "First reply.", "Second reply.", -2,
        "@Response 1 is better.", "It cites a source.",
        [
            ("@Response 1 is slightly better.", "It is shorter.", -1),
            ("@Response 1 is better.", "It cites a source.", -2),
            ("@Response 1 is better.", "Fewer errors.", -2),
        ],
        [
            (3, "@Response 2 is far better."),
            (-1, "@Response 1 is slightly better. It is shorter."),
            (-2, "@Response 1 is better.\n\nIt cites a source."),
            (-2, "@Response 1 is better. Fewer errors."),
            (1, ""),
        ],
    ))]
    assert (stats.agreeing_pairs, stats.total_pairs) == (4, 10)
    assert dict(stats.spreads) == {1: 1} and dict(stats.labels["preference_strength"]) == {-2: 1}


def test_helpsteer2_preference_marks_neither_acceptable_in_place_and_names_validation_val():
    """Guards: the "mark" policy losing the −100 entry or its position; the validation split value."""
    rows = helpsteer2_preference_rows(item(split="validation"), ExportPolicy(neither_acceptable="mark"), ExportStats())

    ((file, split, row),) = rows
    assert (file, split, row[0], row[4]) == ("preference", "validation", "val", -2)
    assert [strength for strength, _ in row[8]] == [3, -1, -2, -2, 1, -100]


def test_trl_pair_of_five_judgements_chooses_response_1_with_margin_2():
    """Guards: the per-group TRL builder choosing the wrong side, or a margin other than |aggregate|."""
    stats = ExportStats()
    conversational = trl_preference_rows(item(), ExportPolicy(), stats)
    text = trl_preference_rows(item(), ExportPolicy(trl_style="text"), ExportStats())

    assert conversational == [("train", "train", (
        [("user", "Which answer?")], [("assistant", "First reply.")], [("assistant", "Second reply.")], 2.0,
    ))]
    assert text == [("train", "train", ("Which answer?", "First reply.", "Second reply.", 2.0))]
    assert dict(stats.labels["margin"]) == {2.0: 1}


def test_trl_pair_where_response_2_wins_among_four():
    """+2, +3, −3, +2: most agreeing {+2, +3, +2} → 7/3 → +2: chosen is response 2.
    Guards: the per-group TRL builder's chosen side inverted."""
    rows = trl_preference_rows(item(judged(2, 3, -3, 2)), ExportPolicy(trl_style="text"), ExportStats())
    assert rows == [("train", "train", ("Which answer?", "Second reply.", "First reply.", 2.0))]


def test_groups_of_more_than_three_are_dropped_by_spread_or_tie_on_their_three_most_agreeing():
    """Spread: +3, −3, 0, +3, −3 → the best subsets ({0, +3, +3}, {−3, −3, 0}) spread 3 > 2.
    Tie: +1, −1, 0, 0, +2 → {+1, 0, 0} and {−1, 0, 0} tie on range, variance and distance to the
    median 0; the lower mean wins: {−1, 0, 0} → −1/3 → 0. (Guards: drops decided on all values.)"""
    stats = ExportStats()
    assert helpsteer2_preference_rows(item(judged(3, -3, 0, 3, -3)), ExportPolicy(), stats) == []
    assert trl_preference_rows(item(judged(1, -1, 0, 0, 2)), ExportPolicy(), stats) == []
    assert dict(stats.drops) == {"spread_above_max": 1, "tie": 1}
    kept = helpsteer2_preference_rows(item(judged(1, -1, 0, 0, 2)), ExportPolicy(drop_ties=False), ExportStats())
    assert kept[0][2][4] == 0 and [entry[2] for entry in kept[0][2][7]] == [-1, 0, 0]


def test_a_group_of_more_than_three_spread_exactly_at_the_maximum_is_kept():
    """−3, −1, −2, +3, +3: the best subset {−3, −1, −2} spreads 2 = max_spread → kept at −2.
    (Guards: the spread drop applied at the maximum itself.)"""
    stats = ExportStats()
    rows = trl_preference_rows(item(judged(-3, -1, -2, 3, 3)), ExportPolicy(trl_style="text"), stats)
    assert rows == [("train", "train", ("Which answer?", "First reply.", "Second reply.", 2.0))]
    assert dict(stats.spreads) == {2: 1} and not stats.drops


def test_helpsteer2_row_of_four_annotators():
    """Per attribute, the rounded mean of the three most agreeing scores (four annotators):

        helpfulness  4 3 0 4 → {4, 3, 4} → 11/3 → 4   (spread 1)
        correctness  1 4 4 3 → {4, 4, 3} → 11/3 → 4   (spread 1)
        coherence    2 2 2 0 → {2, 2, 2} → 2          (spread 0)
        complexity   0 1 2 3 → {0, 1, 2} and {1, 2, 3} tie on range, variance and distance to the
                               median 1.5; the lower mean wins → 1   (spread 2)
        verbosity    4 0 4 4 → {4, 4, 4} → 4          (spread 0)

    Agreement (|a − b| ≤ 1) over 6 annotator pairs × 5 attributes: 3 + 2 + 2 + 3 + 2 + 3 = 15 of 30.
    Guards: the per-group builder averaging all four (3, 3, 2, 2, 3), or the first three."""
    names = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
    columns = [(4, 1, 2, 0, 4), (3, 4, 2, 1, 0), (0, 4, 2, 2, 4), (4, 3, 0, 3, 4)]
    group = ResponseGroup(
        5, MESSAGES, "Which answer?", "validation", "First reply.", "m1", None, ("a", "b", "c", "d"),
        ("human",) * 4, [dict(zip(names, scores)) for scores in columns],
    )
    stats = ExportStats()
    rows = helpsteer2_rows(group, ExportPolicy(), stats)

    assert rows == [
        ("validation", "validation", ("Which answer?", "First reply.", 4, 4, 2, 1, 4)),
        ("disagreements", "disagreements",
         ("Which answer?", "First reply.", (4, 3, 0, 4), (1, 4, 4, 3), (2, 2, 2, 0), (0, 1, 2, 3), (4, 0, 4, 4))),
    ]
    assert dict(stats.spreads) == {1: 2, 0: 2, 2: 1}
    assert (stats.agreeing_pairs, stats.total_pairs) == (15, 30)
