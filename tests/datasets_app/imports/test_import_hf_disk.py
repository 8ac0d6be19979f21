"""Hugging Face datasets written with save_to_disk (a folder, or a zip of one) import through the same
row parsers, chosen by their columns."""
import shutil

from datasets import Dataset, DatasetDict

from annotation.models import Annotation, Item
from datasets_app.imports.services import import_file
from datasets_app.models import ImportFormat, ImportStatus

PREFERENCE_ROWS = {
    "prompt": ["Explain tides.", "Name a prime."],
    "response_1": ["The Moon's gravity pulls the oceans.", "9"],
    "response_2": ["Magic.", "7"],
    "preference_strength": [-3, 2],
    "preference_statement": ["@Response 1 is right.", "@Response 2 is prime."],
    "preference_elaboration": ["", "9 = 3 × 3."],
}


def test_dataset_dict_imports_every_split(project, tmp_path):
    folder = tmp_path / "hs2p"
    DatasetDict({
        "train": Dataset.from_dict(PREFERENCE_ROWS),
        "validation": Dataset.from_dict({name: values[:1] for name, values in PREFERENCE_ROWS.items()} | {"prompt": ["Why is the sky blue?"]}),
    }).save_to_disk(str(folder))

    record = import_file(project=project, path_or_file=folder, file_name="hs2p", format=ImportFormat.HF_DISK)

    assert record.errors == []
    assert (record.format, record.rows_read, record.items_created, record.annotations_created) == ("hf-disk", 3, 3, 3)
    splits = sorted(Item.objects.values_list("prompt__metadata__split", flat=True))
    assert splits == ["train", "train", "validation"]
    assert Annotation.objects.get(item__prompt__messages__0__content="Name a prime.").preference_strength == 2


def test_zipped_hh_dataset_is_detected_automatically(project, tmp_path):
    folder = tmp_path / "hh"
    Dataset.from_dict({
        "chosen": ["\n\nHuman: Hi\n\nAssistant: Hello, how can I help?"],
        "rejected": ["\n\nHuman: Hi\n\nAssistant: What?"],
    }).save_to_disk(str(folder))
    archive = shutil.make_archive(str(tmp_path / "hh"), "zip", root_dir=tmp_path, base_dir="hh")

    with open(archive, "rb") as upload:
        record = import_file(project=project, path_or_file=upload, file_name="hh.zip")

    assert record.status == ImportStatus.SUCCEEDED, record.errors
    assert (record.format, record.items_created) == ("hf-disk", 1)
    assert Item.objects.get().response_1.text == "Hello, how can I help?"


def test_bad_row_in_a_split_names_the_split_and_row(project, tmp_path):
    folder = tmp_path / "hs2"
    rows = {"prompt": ["P", "P"], "response": ["a", "b"], "helpfulness": [3, 7], "correctness": [2, 2],
            "coherence": [4, 4], "complexity": [1, 1], "verbosity": [1, 1]}
    DatasetDict({"train": Dataset.from_dict(rows)}).save_to_disk(str(folder))

    record = import_file(project=project, path_or_file=folder, file_name="hs2", format=ImportFormat.AUTO)

    assert record.status == ImportStatus.FAILED
    assert [(e["file"], e["line"], e["field"]) for e in record.errors] == [("hs2[train]", 2, "helpfulness")]
    assert Item.objects.count() == 0


def test_a_plain_file_is_not_a_dataset_folder(project, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"prompt": "q", "responses": ["a"]}\n', encoding="utf-8")

    record = import_file(project=project, path_or_file=path, file_name=path.name, format=ImportFormat.HF_DISK)

    assert record.status == ImportStatus.FAILED
    assert "save_to_disk" in record.errors[0]["message"]
