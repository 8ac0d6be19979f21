"""Each import format lands as the right prompts, responses, items and imported annotations."""
import csv
import gzip
import json

import pytest

from annotation.models import Annotation, AnnotationSource, Item, Prompt, Response
from datasets_app.imports.parsers.hh import HH_MODEL_NAME, HH_PREFERENCE_STRENGTH
from datasets_app.imports.services import import_file
from datasets_app.models import ImportFormat, ImportStatus

HS2_SCORES = {"helpfulness": 3, "correctness": 4, "coherence": 4, "complexity": 1, "verbosity": 2}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run(project, path, format=ImportFormat.AUTO):  # noqa: A002
    record = import_file(project=project, path_or_file=path, file_name=path.name, format=format)
    assert record.errors == []
    assert record.status == ImportStatus.SUCCEEDED
    return record


def test_generic_jsonl_prompt_messages_and_response_objects(project, tmp_path):
    path = write_jsonl(tmp_path / "items.jsonl", [
        {"prompt": "What is 2+2?", "responses": ["4", "5"], "metadata": {"topic": "maths"}},
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Name a colour."},
            ],
            "responses": [{"text": "Blue.", "model_name": "policy-a", "checkpoint": "ckpt-7", "round": 2,
                           "generation_params": {"temperature": 0.7}}],
        },
    ])

    record = run(project, path)

    assert (record.format, record.rows_read, record.prompts_created, record.items_created) == ("jsonl", 2, 2, 2)
    pair = Item.objects.get(prompt__metadata={"topic": "maths"})
    assert (pair.response_1.text, pair.response_2.text) == ("4", "5")
    single = Item.objects.get(response_2__isnull=True)
    assert single.prompt.messages[-1] == {"role": "user", "content": "Name a colour."}
    assert len(single.prompt.messages) == 4
    blue = single.response_1
    assert (blue.model_name, blue.checkpoint, blue.round, blue.generation_params) == ("policy-a", "ckpt-7", 2, {"temperature": 0.7})
    assert blue.source == "imported"


def test_generic_preference_and_gold(project, tmp_path):
    path = write_jsonl(tmp_path / "prefs.jsonl", [
        {"prompt": "Capital of France?", "responses": ["Paris.", "Lyon."], "preference_strength": -3, "justification": "Lyon is wrong."},
        {"prompt": "Capital of Italy?", "responses": ["Milan.", "Rome."], "gold_strength": 2},
    ])

    record = run(project, path)

    assert record.annotations_created == 1
    annotation = Annotation.objects.get()
    assert (annotation.source, annotation.annotator, annotation.preference_strength) == (AnnotationSource.IMPORTED, None, -3)
    assert annotation.justification == "Lyon is wrong."
    gold = Item.objects.get(is_gold=True)
    assert (gold.gold_strength, gold.prompt.messages[0]["content"]) == (2, "Capital of Italy?")


def test_more_than_two_responses_become_a_chain_of_pairs(project, tmp_path):
    path = write_jsonl(tmp_path / "samples.jsonl", [{"prompt": "Say hi", "responses": ["a", "b", "c", "d"]}])

    record = run(project, path)

    assert (record.responses_created, record.items_created) == (4, 3)
    pairs = {(item.response_1.text, item.response_2.text) for item in Item.objects.select_related("response_1", "response_2")}
    assert pairs == {("a", "b"), ("b", "c"), ("c", "d")}


def test_csv_with_models_and_extra_columns(project, tmp_path):
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "response_1", "response_2", "model_1", "model_2", "source_id"])
        writer.writerow(["Write a haiku", "Leaves fall\nquietly", "No.", "m-big", "m-small", "row-17"])
        writer.writerow(["Rate me", "Fine.", "", "", "", ""])

    record = run(project, path)

    assert (record.format, record.items_created, record.responses_created) == ("csv", 2, 3)
    pair = Item.objects.get(response_2__isnull=False)
    assert pair.response_1.text == "Leaves fall\nquietly"
    assert (pair.response_1.model_name, pair.response_2.model_name) == ("m-big", "m-small")
    assert pair.prompt.metadata == {"source_id": "row-17"}
    assert Item.objects.get(response_2__isnull=True).response_1.text == "Fine."


def test_hh_multi_turn_transcripts_split_into_prompt_and_replies(project, tmp_path):
    shared = "\n\nHuman: Hi there\n\nAssistant: Hello! How can I help?\n\nHuman: Tell me a joke."
    path = tmp_path / "hh.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"chosen": shared + "\n\nAssistant: Why did the chicken cross the road?",
                                 "rejected": shared + "\n\nAssistant: No."}) + "\n")

    record = run(project, path)

    assert record.format == ImportFormat.HH_RLHF
    item = Item.objects.select_related("prompt", "response_1", "response_2").get()
    assert item.prompt.messages == [
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
    ]
    assert (item.response_1.text, item.response_2.text) == ("Why did the chicken cross the road?", "No.")
    assert item.response_1.model_name == HH_MODEL_NAME
    assert Annotation.objects.get(item=item).preference_strength == HH_PREFERENCE_STRENGTH == -1


def test_hh_reply_containing_more_turns_keeps_the_shared_prompt(project, tmp_path):
    shared = "\n\nHuman: Q1\n\nAssistant: A1\n\nHuman: Q2"
    path = write_jsonl(tmp_path / "hh.jsonl", [{
        "chosen": shared + "\n\nAssistant: Sure.\n\nHuman: and then?\n\nAssistant: Done.",
        "rejected": shared + "\n\nAssistant: Sorry.",
    }])

    run(project, path, ImportFormat.HH_RLHF)

    item = Item.objects.get()
    assert [m["content"] for m in item.prompt.messages] == ["Q1", "A1", "Q2"]
    assert item.response_1.text == "Sure.\n\nHuman: and then?\n\nAssistant: Done."


def test_helpsteer2_pairs_multi_turn_prompt_and_ratings(project, tmp_path):
    prompt = "Plan a trip.\n<extra_id_1>Assistant\nWhere to?\n<extra_id_1>User\nTo Rome, for 3 days."
    path = write_jsonl(tmp_path / "train.jsonl", [
        {"prompt": prompt, "response": "Day 1: Colosseum …", **HS2_SCORES},
        {"prompt": prompt, "response": "Go.", **{**HS2_SCORES, "helpfulness": 0}},
        {"prompt": "Lonely prompt", "response": "Lonely answer", **HS2_SCORES},
    ])

    record = run(project, path)

    assert (record.format, record.items_created, record.annotations_created) == ("helpsteer2", 2, 2)
    pair = Item.objects.get(response_2__isnull=False)
    assert pair.prompt.messages == [
        {"role": "user", "content": "Plan a trip."},
        {"role": "assistant", "content": "Where to?"},
        {"role": "user", "content": "To Rome, for 3 days."},
    ]
    scores = Annotation.objects.get(item=pair).attribute_scores
    assert scores == {"1": HS2_SCORES, "2": {**HS2_SCORES, "helpfulness": 0}}
    single = Item.objects.get(response_2__isnull=True)
    assert Annotation.objects.get(item=single).attribute_scores == {"1": HS2_SCORES}


@pytest.mark.parametrize("split, stored", [("val", "validation"), ("validation", "validation"), ("train", "train")])
def test_helpsteer2_preference_rows(project, tmp_path, split, stored):
    path = write_jsonl(tmp_path / "preference.jsonl", [{
        "split": split, "prompt": "Explain DNS.", "response_1": "DNS maps names to addresses.", "response_2": "Dunno.",
        "preference_strength": -2, "preference_statement": "@Response 1 is better.",
        "preference_elaboration": "@Response 2 does not answer.", "three_most_similar_preferences": [],
    }])

    record = run(project, path)

    assert record.format == ImportFormat.HELPSTEER2_PREFERENCE
    annotation = Annotation.objects.select_related("item__prompt").get()
    assert annotation.preference_strength == -2
    assert annotation.justification == "@Response 1 is better.\n\n@Response 2 does not answer."
    assert annotation.item.prompt.metadata == {"split": stored}


def test_counts_match_the_rows_in_the_database(project, tmp_path):
    path = write_jsonl(tmp_path / "items.jsonl", [{"prompt": f"Q{n}", "responses": [f"A{n}", f"B{n}"]} for n in range(5)])

    record = run(project, path)

    assert (Prompt.objects.count(), Response.objects.count(), Item.objects.count()) == (5, 10, 5)
    assert (record.prompts_created, record.responses_created, record.items_created) == (5, 10, 5)
