"""The vectorised export path gives exactly what the per-group reference builders give: the same rows
in the same order, the same drops, agreement and card statistics, on random data that covers every
policy branch (ties, spreads, neither-acceptable, minimum agreement, more than three judgements,
non-ASCII and odd whitespace in justifications)."""
import json
import random
import zlib

import polars as pl
import pytest

from datasets_app.codecs.helpsteer2 import encode_prompt as helpsteer_prompt
from datasets_app.exports.builders import formats
from datasets_app.exports.builders.columnar.builders import batch_builder
from datasets_app.exports.builders.columnar.frames import BatchContext, item_schema, response_schema, rows_to_batch
from datasets_app.exports.builders.columnar.text import (
    canonical_justifications,
    decoded_messages,
    helpsteer_prompts,
    statements_and_elaborations,
)
from datasets_app.exports.builders.grouping import item_groups, response_groups
from datasets_app.exports.builders.policy import ExportPolicy
from datasets_app.exports.builders.splits import split_of
from datasets_app.exports.builders.stats import ExportStats
from datasets_app.exports.builders.text import canonical_justification, statement_and_elaboration
from datasets_app.exports.builders.writers import rows_to_table
from datasets_app.exports.dataset_rows import count_provenance

HELPSTEER = formats.HELPSTEER_ATTRIBUTES
PIECES = [
    "Response A", "Response B", "response  1", "Response\t2", "@Response A", "@response B", "xResponse A",
    "_Response B", "Response AB", "Response 12", "Response C", "Responses A", "esponse B", "is better", "It is",
    ".", "!", "?", ",", " ", "  ", "\n", "\n\n", "\x1c", "\x1f", "\t", "@", "ü", "Ré", "—", "é Response A",
    "\u00a0", "Response\u2003B", "ResponseA", "(Response B)", "Response 1.", "Response B!", "Response 2?",
]
POLICIES = [
    {},
    {"drop_ties": False},
    {"max_spread": 1},
    {"neither_acceptable": "mark"},
    {"min_agreement": 0.5},
    {"min_agreement": 1.0, "neither_acceptable": "mark", "drop_ties": False},
    {"trl_style": "text", "max_spread": 6},
]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))


def test_vectorised_justification_rules_match_the_python_ones():
    rng = random.Random(7)
    texts = [random_text(rng) for _ in range(4000)]
    swapped = [rng.random() < 0.5 for _ in texts]
    canonical = canonical_justifications(pl.Series(texts), pl.Series(swapped)).to_list()
    assert canonical == [canonical_justification(text, flag) for text, flag in zip(texts, swapped, strict=True)]
    parts = statements_and_elaborations(pl.Series(texts))
    assert list(zip(parts["statement"], parts["elaboration"], strict=True)) == [statement_and_elaboration(t) for t in texts]


def test_vectorised_prompts_match_helpsteer_prompt_and_refuse_unknown_roles():
    conversations = [
        [{"role": "user", "content": "Hi"}],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        [{"role": "user", "content": "a\nb"}, {"role": "assistant", "content": "c"}, {"role": "user", "content": "ü?"}],
    ]
    messages = decoded_messages(pl.Series([json.dumps(c) for c in conversations]))
    assert helpsteer_prompts(messages).to_list() == [helpsteer_prompt(c) for c in conversations]
    with pytest.raises(ValueError, match="unknown role"):
        helpsteer_prompts(decoded_messages(pl.Series([json.dumps([{"role": "robot", "content": "x"}])])))


def pseudonym(annotator_id):
    return None if annotator_id is None else f"p{annotator_id}"


def split(content_hash, declared):
    return split_of(content_hash, 0.3, "seed", declared)


def random_item_rows(rng: random.Random, items: int) -> list[tuple]:
    """ITEM_FIELDS rows ordered by item then annotation id; 1–6 judgements per item."""
    rows, annotation_id = [], 0
    for item_id in range(1, items + 1):
        messages = [{"role": "user", "content": f"Question {item_id % 40}"}]
        if rng.random() < 0.3:
            messages += [{"role": "assistant", "content": "Earlier."}, {"role": "user", "content": "And?"}]
        for _ in range(rng.choice([1, 2, 3, 3, 3, 4, 5, 6])):
            annotation_id += rng.randint(1, 3)
            rows.append((
                item_id, annotation_id, rng.choice([None, 1, 2, 3, 4, 5]), rng.choice(["human", "human", "imported"]),
                rng.choice([None, -3, -2, -1, -1, 0, 1, 1, 2, 3]), random_text(rng), rng.random() < 0.1,
                rng.choice([None, True, False]), json.dumps(messages), f"hash-{item_id % 40}",
                rng.choice([None, None, None, "train", "validation", "other"]), f"first {item_id}", f"second {item_id}",
                rng.choice(["m1", "m2"]), rng.choice(["m2", "m3", ""]), rng.choice([None, 0, 1, 2]),
            ))
    return rows


def reference(format_name: str, groups, policy: ExportPolicy) -> tuple[dict, ExportStats]:
    """The per-group builders' rows of each file (and each row's split) and their statistics."""
    stats, build, out = ExportStats(), formats.row_builder(format_name), {}
    for group in groups:
        emitted = build(group, policy, stats)
        for file_name, split_name, row in emitted:
            rows, splits = out.setdefault(file_name, ([], []))
            rows.append(row)
            splits.append(split_name)
        if emitted:
            count_provenance(group, stats)
    return out, stats


def vectorised(format_name: str, frame: pl.DataFrame, policy: ExportPolicy) -> tuple[dict, ExportStats]:
    stats = ExportStats()
    context = BatchContext(policy, stats, pseudonym, split, count_provenance)
    schemas = formats.file_schemas(format_name, policy, HELPSTEER)
    parts = batch_builder(format_name, schemas)(frame, context)
    return {name: (part.table.to_pylist(), part.splits) for name, part in parts.items()}, stats


def assert_same(format_name: str, policy: ExportPolicy, expected: dict, expected_stats: ExportStats,
                actual: dict, actual_stats: ExportStats) -> None:
    schemas = formats.file_schemas(format_name, policy, HELPSTEER)
    expected = {name: (rows_to_table(rows, schemas[name]).to_pylist(), splits) for name, (rows, splits) in expected.items()}
    assert actual.keys() == expected.keys()
    for name in expected:
        assert actual[name][0] == expected[name][0], name
        assert actual[name][1] == expected[name][1], name
    assert actual_stats.as_dict() == expected_stats.as_dict()


@pytest.mark.parametrize("policy_options", POLICIES)
@pytest.mark.parametrize("format_name", ["trl-preference", "helpsteer2-preference"])
def test_pair_formats_match_the_per_group_builders(format_name, policy_options):
    policy = ExportPolicy.from_dict(policy_options)
    rows = random_item_rows(random.Random(zlib.crc32(f"{format_name}{policy_options}".encode())), 300)
    frame = pl.from_arrow(rows_to_batch(rows, item_schema()))
    groups = item_groups(iter(rows), pseudonym, split, with_justifications=format_name != "trl-preference")
    expected, expected_stats = reference(format_name, groups, policy)
    actual, actual_stats = vectorised(format_name, frame, policy)
    assert sum(len(rows) for rows, _ in expected.values()) > 20 and expected_stats.drops  # kept and dropped
    assert_same(format_name, policy, expected, expected_stats, actual, actual_stats)


def random_score_set(rng: random.Random) -> dict | None:
    kind = rng.random()
    if kind < 0.1:
        return None
    if kind < 0.15:
        return {}
    names = HELPSTEER if kind < 0.85 else HELPSTEER[: rng.randint(1, 4)]
    return {name: rng.randint(0, 4) for name in names}


def random_response_rows(rng: random.Random, prompts: int) -> list[tuple]:
    """RESPONSE_FIELDS rows plus score columns, ordered by prompt, response, annotation id and slot; a
    response shown in several items collects up to a dozen ratings (some by the same annotator)."""
    rows, annotation_id = [], 0
    for prompt_id in range(1, prompts + 1):
        messages = json.dumps([{"role": "user", "content": f"Prompt {prompt_id}"}])
        responses = [prompt_id * 10 + k for k in range(rng.randint(2, 3))]
        for _ in range(rng.randint(1, 4)):
            first, second = rng.sample(responses, 2)
            for _ in range(rng.randint(1, 3)):
                annotation_id += 1
                annotator = rng.choice([None, 1, 2, 3, 4, 5, 6])
                source = "imported" if annotator is None else "human"
                for slot, response_id in ((1, first), (2, second)):
                    scores = random_score_set(rng)
                    rows.append((
                        prompt_id, response_id, annotation_id, slot, annotator, source,
                        None if scores is None else json.dumps(scores), messages, f"hash-{prompt_id}", None,
                        f"response {response_id}", f"model-{response_id % 3}", rng.choice([None, 0, 1]),
                        *[(scores or {}).get(name) for name in HELPSTEER],
                    ))
    return sorted(rows, key=lambda row: (row[0], row[1], row[2], row[3]))


@pytest.mark.parametrize("policy_options", [{}, {"min_agreement": 0.6}, {"min_agreement": 1.0}])
def test_helpsteer2_matches_the_per_group_builder(policy_options):
    policy = ExportPolicy.from_dict(policy_options)
    rows = random_response_rows(random.Random(len(policy_options) + 11), 150)
    frame = pl.from_arrow(rows_to_batch(rows, response_schema(HELPSTEER)))
    groups = response_groups(iter([row[:13] for row in rows]), pseudonym, split)
    expected, expected_stats = reference("helpsteer2", groups, policy)
    actual, actual_stats = vectorised("helpsteer2", frame, policy)
    assert expected["disagreements"][0] and expected_stats.drops  # some responses kept, some dropped
    assert_same("helpsteer2", policy, expected, expected_stats, actual, actual_stats)
