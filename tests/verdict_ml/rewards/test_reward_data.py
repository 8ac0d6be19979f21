"""HH transcript parsing, prompt/response encoding with left truncation, length-grouped batches."""
import gzip
import json
from pathlib import Path

import pytest

from tests.data import HH_SAMPLE, HH_SAMPLE_ROWS
from verdict_ml.rewards.data import (
    LengthGroupedBatches,
    PreferencePair,
    encode_prompt_response,
    pairs_from_hh_jsonl,
    parse_hh_transcript,
)

SHARED = "\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: How do I bake bread?"


def test_parse_hh_transcript_into_messages() -> None:
    assert parse_hh_transcript(SHARED + "\n\nAssistant: Mix flour and water.") == [
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "How do I bake bread?"},
        {"role": "assistant", "content": "Mix flour and water."},
    ]


def test_pairs_from_hh_jsonl_splits_prompt_and_final_replies(tmp_path: Path) -> None:
    path = tmp_path / "hh.jsonl.gz"
    rows = [
        {"chosen": SHARED + "\n\nAssistant: Knead it.", "rejected": SHARED + "\n\nAssistant: No."},
        {"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: different\n\nAssistant: c"},
    ]
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(json.dumps(row) for row in rows))
    pairs = pairs_from_hh_jsonl(path)
    assert pairs == [PreferencePair(parse_hh_transcript(SHARED), "Knead it.", "No.", 1)]  # row 2: prompts differ


def test_real_hh_file_parses() -> None:
    pairs = pairs_from_hh_jsonl(HH_SAMPLE)
    assert len(pairs) == HH_SAMPLE_ROWS  # every row of the real sample (the full file: 1,498 of 1,500)
    assert all(p.prompt[-1]["role"] == "user" and p.chosen != p.rejected for p in pairs)


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_long_prompt_is_cut_from_the_left_and_the_response_survives(tokenizer) -> None:
    prompt = [{"role": "user", "content": "start " + "filler " * 100 + "recent question"}]
    encoded = encode_prompt_response(tokenizer, prompt, "the final answer", max_length=16)
    text = tokenizer.decode(encoded["input_ids"])
    assert len(encoded["input_ids"]) == 16
    assert text.startswith("[CLS]") and text.endswith("[SEP] the final answer [SEP]")
    assert "recent question" in text and "start" not in text
    assert encoded["token_type_ids"][-5:] == [0, 1, 1, 1, 1]  # "[SEP]" closes the prompt; the reply is segment 1


def test_short_input_is_untouched(tokenizer) -> None:
    encoded = encode_prompt_response(tokenizer, [{"role": "user", "content": "hi"}], "hello", max_length=64)
    assert tokenizer.decode(encoded["input_ids"]) == "[CLS] user : hi [SEP] hello [SEP]"


def test_response_longer_than_budget_keeps_its_beginning(tokenizer) -> None:
    encoded = encode_prompt_response(tokenizer, [{"role": "user", "content": "q"}], "one two three four five six", 6)
    assert tokenizer.decode(encoded["input_ids"]) == "[CLS] [SEP] one two three [SEP]"


def test_chat_template_tokenizer_renders_the_conversation(tokenizer) -> None:
    tokenizer.chat_template = "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }} {% endfor %}" \
        "{% if add_generation_prompt %}<assistant> {% endif %}"
    try:
        prompt = [{"role": "user", "content": "early " * 50 + "late"}]
        encoded = encode_prompt_response(tokenizer, prompt, "reply", max_length=12)
    finally:
        tokenizer.chat_template = None
    text = tokenizer.decode(encoded["input_ids"])
    assert len(encoded["input_ids"]) == 12
    assert text.endswith("late < assistant > reply")


def test_length_grouped_batches_cover_every_row_once_per_epoch() -> None:
    lengths = [5, 50, 6, 49, 7, 48, 8, 47]
    sampler = LengthGroupedBatches(lengths, batch_size=2, seed=0, window=4)
    first, second = list(sampler), list(sampler)
    assert sorted(i for batch in first for i in batch) == list(range(8))
    assert len(sampler) == 4 and len(first) == 4
    assert all(abs(lengths[a] - lengths[b]) <= 3 for a, b in first)  # one window: sorted, so neighbours pair up
    assert first != second  # reshuffled each epoch
