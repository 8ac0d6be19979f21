"""Every export format against rows written out by hand (see the scenario in `labelled`)."""
import hashlib
import hmac

import pyarrow.parquet as pq
import pytest
from datasets import load_from_disk
from django.core.files.storage import default_storage

from datasets_app.exports.services import dataset_version_create
from datasets_app.models import AnnotatorPseudonymSalt
from tests.datasets_app.export_builders import annotate, pair, raters, read_jsonl, scores

MULTI_TURN = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello! How can I help?"},
    {"role": "user", "content": "Name a colour."},
]
MULTI_TURN_TEXT = "Hi\n<extra_id_1>Assistant\nHello! How can I help?\n<extra_id_1>User\nName a colour."
ALL_TRAIN = {"validation_fraction": 0.0}


@pytest.fixture
def labelled(project):
    """A: four raters, one shown the pair swapped; B: spread 6 (dropped); C: tie (dropped);
    D: one imported judgement; E: gold (never exported); F: one "neither acceptable" and one +3."""
    r0, r1, r2, r3 = raters(4)
    a = pair(project, "", "Red.", "Blue is a colour.", messages=MULTI_TURN)
    annotate(a, r0, preference_strength=-2, justification="Response A is clearer. It answers directly.",
             attribute_scores={"1": scores(4, 4, 4, 1, 1), "2": scores(2, 3, 3, 1, 2)})
    annotate(a, r1, swapped=True, preference_strength=-3, justification="Response B is much better.\n\nShorter and correct.",
             attribute_scores={"1": scores(3, 4, 4, 1, 0), "2": scores(2, 2, 4, 1, 2)})
    annotate(a, r2, preference_strength=1, attribute_scores={"1": scores(0, 1, 1, 0, 4), "2": scores(1, 2, 3, 1, 3)})
    annotate(a, r3, preference_strength=-1, justification="@Response 1 is slightly better.",
             attribute_scores={"1": scores(4, 3, 4, 2, 1), "2": scores(2, 3, 3, 2, 2)})
    b = pair(project, "2+2?", "4", "5")
    for user, strength in zip((r0, r1, r2), (3, -3, 0)):
        annotate(b, user, preference_strength=strength)
    c = pair(project, "Tie?", "Yes", "No")
    for user, strength in zip((r0, r1, r2), (0, 1, -1)):
        annotate(c, user, preference_strength=strength)
    d = pair(project, "Capital of France?", "Paris.", "Lyon.")
    annotate(d, None, preference_strength=2, justification="Response 2 is better.")
    e = pair(project, "Gold?", "G1", "G2", is_gold=True, gold_strength=-3)
    annotate(e, r0, preference_strength=-3, attribute_scores={"1": scores(4, 4, 4, 4, 4), "2": scores(0, 0, 0, 0, 0)})
    f = pair(project, "Pick one", "One", "Two")
    annotate(f, r0, neither_acceptable=True)
    annotate(f, r1, preference_strength=3, justification="Response A is far better.")
    return {"raters": (r0, r1, r2, r3), "items": (a, b, c, d, e, f)}


def export(project, researcher, capture, fmt, **policy):
    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=researcher, policy={**ALL_TRAIN, **policy})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def test_helpsteer2_rows_and_disagreements(project, researcher, labelled, django_capture_on_commit_callbacks):
    version = export(project, researcher, django_capture_on_commit_callbacks, "helpsteer2")
    assert read_jsonl(version, "train") == [
        {"prompt": MULTI_TURN_TEXT, "response": "Red.",
         "helpfulness": 4, "correctness": 4, "coherence": 4, "complexity": 1, "verbosity": 1},
        {"prompt": MULTI_TURN_TEXT, "response": "Blue is a colour.",
         "helpfulness": 2, "correctness": 2, "coherence": 3, "complexity": 1, "verbosity": 2},
    ]
    assert read_jsonl(version, "validation") == []
    assert read_jsonl(version, "disagreements") == [
        {"prompt": MULTI_TURN_TEXT, "response": "Red.", "helpfulness": [4, 3, 0, 4], "correctness": [4, 4, 1, 3],
         "coherence": [4, 4, 1, 4], "complexity": [1, 1, 0, 2], "verbosity": [1, 0, 4, 1]},
        {"prompt": MULTI_TURN_TEXT, "response": "Blue is a colour.", "helpfulness": [2, 2, 1, 2],
         "correctness": [3, 2, 2, 3], "coherence": [3, 4, 3, 3], "complexity": [1, 1, 1, 2], "verbosity": [2, 2, 3, 2]},
    ]
    assert version.row_counts == {"train": 2, "validation": 0, "disagreements": 2}


def test_helpsteer2_preference_rows_and_drops(project, researcher, labelled, django_capture_on_commit_callbacks):
    version = export(project, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference")
    assert read_jsonl(version, "preference") == [
        {
            "split": "train",
            "prompt": MULTI_TURN_TEXT,
            "response_1": "Red.",
            "response_2": "Blue is a colour.",
            "preference_strength": -2,
            "preference_statement": "@Response 1 is clearer.",
            "preference_elaboration": "It answers directly.",
            "three_most_similar_preferences": [
                {"statement": "@Response 1 is clearer.", "elaboration": "It answers directly.", "strength": -2},
                {"statement": "@Response 1 is much better.", "elaboration": "Shorter and correct.", "strength": -3},
                {"statement": "@Response 1 is slightly better.", "elaboration": "", "strength": -1},
            ],
            "all_preferences_unprocessed": [
                {"strength": -2, "justification": "@Response 1 is clearer. It answers directly."},
                {"strength": -3, "justification": "@Response 1 is much better.\n\nShorter and correct."},
                {"strength": 1, "justification": ""},
                {"strength": -1, "justification": "@Response 1 is slightly better."},
            ],
        },
        {
            "split": "train", "prompt": "Capital of France?", "response_1": "Paris.", "response_2": "Lyon.",
            "preference_strength": 2, "preference_statement": "@Response 2 is better.", "preference_elaboration": "",
            "three_most_similar_preferences": [{"statement": "@Response 2 is better.", "elaboration": "", "strength": 2}],
            "all_preferences_unprocessed": [{"strength": 2, "justification": "@Response 2 is better."}],
        },
        {
            "split": "train", "prompt": "Pick one", "response_1": "One", "response_2": "Two",
            "preference_strength": 3, "preference_statement": "@Response 1 is far better.", "preference_elaboration": "",
            "three_most_similar_preferences": [{"statement": "@Response 1 is far better.", "elaboration": "", "strength": 3}],
            "all_preferences_unprocessed": [{"strength": 3, "justification": "@Response 1 is far better."}],
        },
    ]
    assert version.stats["drops"] == {"spread_above_max": 1, "tie": 1}
    card = default_storage.open(f"{version.storage_path}/README.md").read().decode()
    assert "- spread_above_max: 1" in card and "- tie: 1" in card and "license: cc-by-4.0" in card


def test_preference_thresholds_and_neither_marking_are_configurable(project, researcher, labelled, django_capture_on_commit_callbacks):
    version = export(project, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference",
                     max_spread=6, drop_ties=False, neither_acceptable="mark")
    rows = {row["prompt"]: row for row in read_jsonl(version, "preference")}
    assert rows["2+2?"]["preference_strength"] == 0
    assert [p["strength"] for p in rows["2+2?"]["three_most_similar_preferences"]] == [3, -3, 0]
    assert rows["Tie?"]["preference_strength"] == 0
    assert rows["Pick one"]["all_preferences_unprocessed"] == [
        {"strength": -100, "justification": ""}, {"strength": 3, "justification": "@Response 1 is far better."},
    ]
    assert version.stats["drops"] == {}


def test_trl_preference_conversational_and_text(project, researcher, labelled, django_capture_on_commit_callbacks):
    conversational = export(project, researcher, django_capture_on_commit_callbacks, "trl-preference")
    assert read_jsonl(conversational, "train") == [
        {"prompt": MULTI_TURN, "chosen": [{"role": "assistant", "content": "Red."}],
         "rejected": [{"role": "assistant", "content": "Blue is a colour."}], "margin": 2.0},
        {"prompt": [{"role": "user", "content": "Capital of France?"}], "chosen": [{"role": "assistant", "content": "Lyon."}],
         "rejected": [{"role": "assistant", "content": "Paris."}], "margin": 2.0},
        {"prompt": [{"role": "user", "content": "Pick one"}], "chosen": [{"role": "assistant", "content": "Two"}],
         "rejected": [{"role": "assistant", "content": "One"}], "margin": 3.0},
    ]
    text = export(project, researcher, django_capture_on_commit_callbacks, "trl-preference", trl_style="text", drop_ties=False)
    assert read_jsonl(text, "train")[0] == {"prompt": MULTI_TURN_TEXT, "chosen": "Red.", "rejected": "Blue is a colour.", "margin": 2.0}
    assert text.stats["drops"] == {"spread_above_max": 1, "tie": 1}


def test_individual_rows_use_pseudonyms(project, researcher, labelled, django_capture_on_commit_callbacks):
    version = export(project, researcher, django_capture_on_commit_callbacks, "individual")
    rows = read_jsonl(version, "train")
    salt = AnnotatorPseudonymSalt.objects.get(project=project).salt.encode()
    r0, r1, r2, r3 = labelled["raters"]
    a, b, c, d, e, f = labelled["items"]

    def pseudonym(user):
        return hmac.new(salt, str(user.pk).encode(), hashlib.sha256).hexdigest()[:16]

    assert len(rows) == 4 + 3 + 3 + 1 + 1  # gold left out, "neither acceptable" excluded by default
    assert rows[1] == {
        "split": "train", "item_id": a.pk, "prompt": MULTI_TURN_TEXT, "response_1": "Red.", "response_2": "Blue is a colour.",
        "annotator": pseudonym(r1), "source": "human", "preference_strength": -3,
        "justification": "@Response 1 is much better.\n\nShorter and correct.", "neither_acceptable": False,
        "response_1_helpfulness": 3, "response_1_correctness": 4, "response_1_coherence": 4, "response_1_complexity": 1,
        "response_1_verbosity": 0, "response_2_helpfulness": 2, "response_2_correctness": 2, "response_2_coherence": 4,
        "response_2_complexity": 1, "response_2_verbosity": 2,
    }
    imported = rows[10]
    assert (imported["item_id"], imported["annotator"], imported["source"], imported["response_1_helpfulness"]) == (d.pk, None, "imported", None)
    assert {row["annotator"] for row in rows if row["item_id"] == b.pk} == {pseudonym(r0), pseudonym(r1), pseudonym(r2)}
    assert not any(row["annotator"] in {"rater0", "rater1", "rater2", "rater3"} for row in rows)
    marked = export(project, researcher, django_capture_on_commit_callbacks, "individual", neither_acceptable="mark")
    assert [row["neither_acceptable"] for row in read_jsonl(marked, "train") if row["item_id"] == f.pk] == [True, False]


@pytest.mark.parametrize("fmt", ["helpsteer2", "helpsteer2-preference", "trl-preference", "individual"])
def test_containers_hold_the_same_rows(project, researcher, labelled, django_capture_on_commit_callbacks, fmt):
    version = export(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.5)
    files = {entry["path"] for entry in version.files}
    dataset = load_from_disk(default_storage.path(f"{version.storage_path}/hf"))
    for name in [n.removeprefix("jsonl/").removesuffix(".jsonl.gz") for n in files if n.startswith("jsonl/")]:
        rows = read_jsonl(version, name)
        assert pq.read_table(default_storage.path(f"{version.storage_path}/parquet/{name}.parquet")).to_pylist() == rows
        if name != "preference":
            assert dataset[name].to_list() == rows
    if fmt == "helpsteer2-preference":
        rows = read_jsonl(version, "preference")
        assert dataset["train"].to_list() + dataset["validation"].to_list() == sorted(rows, key=lambda r: r["split"] != "train")
    assert sum(version.row_counts.values()) == sum(dataset.num_rows.values())


def test_an_individual_export_of_ratings_only_has_no_strength_distribution(project, researcher, django_capture_on_commit_callbacks):
    item = pair(project, "Rate these", "One", "Two")
    annotate(item, raters(1)[0], attribute_scores={"1": scores(4, 4, 4, 1, 1), "2": scores(2, 3, 3, 1, 2)})
    version = export(project, researcher, django_capture_on_commit_callbacks, "individual")
    assert [row["preference_strength"] for row in read_jsonl(version, "train")] == [None]
    assert "preference_strength" not in version.stats["labels"]
