"""A dataset version's JSON lines are split on newlines only: U+2028, U+2029 and U+0085, which JSON
writers leave unescaped inside strings, are text of a row, not line breaks."""
import pytest

from annotation.models import Response
from tests.training.rewards.test_reward_job_dataset import built_version, judged_project  # noqa: F401
from training.rewards.evaluation_pairs import evaluation_pairs_from_version


@pytest.mark.django_db
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_reply_holding_a_unicode_line_separator_is_read_whole(judged_project, admin_user, separator):  # noqa: F811
    reply = Response.objects.filter(prompt__project=judged_project).order_by("pk").first()
    reply.text = f"first line{separator}second line"
    reply.save(update_fields=["text"])
    version = built_version(judged_project, admin_user, "trl-preference")

    pairs = evaluation_pairs_from_version(version, "all")

    assert len(pairs) == 24
    assert any(f"first line{separator}second line" in (pair.chosen, pair.rejected) for pair in pairs)
