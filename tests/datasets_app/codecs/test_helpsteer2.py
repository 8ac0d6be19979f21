"""HelpSteer2 prompt strings: the format as the dataset writes it, system turns, multi-turn, and the
decoder as the exact inverse of the encoder."""
import random

import pytest

from datasets_app.codecs.helpsteer2 import decode_prompt, encode_prompt

SYSTEM_MULTI_TURN = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Name a colour."},
]
SYSTEM_MULTI_TURN_TEXT = (
    "<extra_id_0>System\nBe brief.\n<extra_id_1>User\nHi\n"
    "<extra_id_1>Assistant\nHello!\n<extra_id_1>User\nName a colour."
)


def test_a_system_turn_and_every_later_turn_follow_their_marker_lines():
    assert encode_prompt(SYSTEM_MULTI_TURN) == SYSTEM_MULTI_TURN_TEXT
    assert decode_prompt(SYSTEM_MULTI_TURN_TEXT) == SYSTEM_MULTI_TURN


def test_a_helpsteer2_multi_turn_prompt_starts_with_the_bare_first_user_turn():
    text = "Plan a trip.\nTwo days.\n<extra_id_1>Assistant\nWhere to?\n<extra_id_1>User\nLisbon."
    messages = [
        {"role": "user", "content": "Plan a trip.\nTwo days."},
        {"role": "assistant", "content": "Where to?"},
        {"role": "user", "content": "Lisbon."},
    ]
    assert decode_prompt(text) == messages
    assert encode_prompt(messages) == text


def test_a_single_turn_prompt_is_its_text():
    assert encode_prompt([{"role": "user", "content": "Only one"}]) == "Only one"
    assert decode_prompt("Only one") == [{"role": "user", "content": "Only one"}]
    assert decode_prompt("") == [{"role": "user", "content": ""}]


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "assistant", "content": "I start."}, {"role": "user", "content": "Go on."}],
        [{"role": "user", "content": ""}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}],
        [
            {"role": "user", "content": "a"},
            {"role": "system", "content": "Switch to French."},
            {"role": "user", "content": "b"},
        ],
        [{"role": "system", "content": "\nLeading and trailing newlines\n\n"}, {"role": "user", "content": "\n"}],
        [{"role": "user", "content": "Mentions <extra_id_1>User inside a line"}],
    ],
)
def test_decoding_gives_back_what_was_encoded(messages):
    assert decode_prompt(encode_prompt(messages)) == messages


def test_random_conversations_come_back_unchanged():
    rng = random.Random(7)
    # Markers and blanks in every arrangement, but no marker line: a role name is always followed by
    # a character that keeps its line from being one.
    alphabet = ["a", " ", "\t", "\n", "\n\n", "\r", "<extra_id_1>", "<extra_id_0>", "User!", "System?", "é"]
    for _ in range(500):
        messages = [
            {"role": rng.choice(["system", "user", "assistant"]),
             "content": "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))}
            for _ in range(rng.randrange(1, 6))
        ]
        assert decode_prompt(encode_prompt(messages)) == messages


def test_marker_lines_with_trailing_blanks_or_a_carriage_return_still_count():
    text = "Hi\n<extra_id_1>Assistant \nHello\n<extra_id_0>System\t\r\nBe brief.\n<extra_id_1>User\r\nBye"
    assert [m["role"] for m in decode_prompt(text)] == ["user", "assistant", "system", "user"]


def test_only_the_three_markers_of_the_format_split_turns():
    text = "Hi\n<extra_id_1>System\nnot a turn\n<extra_id_0>User\nnor this\n <extra_id_1>Assistant\nnor this"
    assert decode_prompt(text) == [{"role": "user", "content": text}]


def test_unknown_roles_are_refused():
    with pytest.raises(ValueError, match="message 2: unknown role 'tool'"):
        encode_prompt([{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}])
