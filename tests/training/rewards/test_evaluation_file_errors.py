"""`evaluate_reward_model --file` on a broken TRL pairs file: the error names the file, the line and the
field, as a command error (no traceback), and a bad line is reported as itself, not by re-reading the
whole file as HH-RLHF transcripts."""
import json

import pytest
from django.core.management import CommandError, call_command

from tests.training.rewards.test_evaluate_reward_model import PAIRS, tiny_reward_model  # noqa: F401
from tests.training.rewards.test_reward_evaluation_job import evaluations


def trl_lines() -> list[str]:
    return [json.dumps({"prompt": p, "chosen": c, "rejected": r}) for p, c, r in PAIRS]


@pytest.mark.django_db
def test_a_field_of_the_wrong_type_is_named_with_its_line(tiny_reward_model, tmp_path):  # noqa: F811
    lines = trl_lines()
    lines[1] = json.dumps({"prompt": "Name a colour.", "chosen": 5, "rejected": "No."})
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(CommandError, match=r"pairs\.jsonl line 2: field 'chosen'"):
        call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu")

    assert evaluations(tiny_reward_model) == []


@pytest.mark.django_db
def test_a_truncated_line_is_named_and_the_good_lines_are_not(tiny_reward_model, tmp_path):  # noqa: F811
    lines = trl_lines()
    lines[2] = lines[2][:25]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(CommandError) as raised:
        call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu")

    message = str(raised.value)
    assert "pairs.jsonl:3" in message and "pairs.jsonl:1 " not in message and "pairs.jsonl:2 " not in message
    assert evaluations(tiny_reward_model) == []
