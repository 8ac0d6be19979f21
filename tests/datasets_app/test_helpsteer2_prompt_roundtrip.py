"""Conversations with a system turn survive a HelpSteer2 round trip: a project exported as helpsteer2 or
helpsteer2-preference, its file imported into a fresh project, gives back the same prompt messages,
turn by turn and role by role (the exporter writes `<extra_id_0>System`, the importer reads it back)."""
import pytest

from annotation.models import Prompt
from tests.datasets_app.export_builders import annotate, pair, raters, scores
from tests.datasets_app.test_export_roundtrip import export, fresh_project, import_file

SYSTEM_FIRST = [
    {"role": "system", "content": "You are a terse travel agent.\nAnswer in one line."},
    {"role": "user", "content": "Plan a trip."},
]
SYSTEM_MULTI_TURN = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!\n\nHow can I help?"},
    {"role": "user", "content": "Name a colour."},
]
USER_MULTI_TURN = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "4"},
    {"role": "user", "content": "And 3+3?"},
]
SINGLE_TURN = [{"role": "user", "content": "Name a prime."}]
CONVERSATIONS = [SYSTEM_FIRST, SYSTEM_MULTI_TURN, USER_MULTI_TURN, SINGLE_TURN]


@pytest.fixture
def with_system_turns(project):
    users = raters(3)
    for index, messages in enumerate(CONVERSATIONS):
        item = pair(project, "", f"first answer {index}", f"second answer {index}", messages=messages)
        for offset, user in enumerate(users):
            annotate(item, user, preference_strength=-2 if index % 2 else 2, justification="Response A is better.",
                     attribute_scores={"1": scores(4 - offset, 3, 4, 1, 2), "2": scores(1, 2, 3, 1, 3)})
    return project


def prompt_messages(project):
    return sorted(Prompt.objects.filter(project=project).values_list("messages", flat=True), key=repr)


@pytest.mark.parametrize(("fmt", "file_name"), [("helpsteer2", "train"), ("helpsteer2-preference", "preference")])
def test_a_system_turn_comes_back_from_export_and_import(
    with_system_turns, researcher, django_capture_on_commit_callbacks, fmt, file_name
):
    version = export(with_system_turns, django_capture_on_commit_callbacks, fmt, validation_fraction=0.0)
    copy = fresh_project("copy", researcher)

    assert import_file(copy, version, file_name, fmt).items_created == len(CONVERSATIONS)
    assert prompt_messages(copy) == prompt_messages(with_system_turns) == sorted(CONVERSATIONS, key=repr)
