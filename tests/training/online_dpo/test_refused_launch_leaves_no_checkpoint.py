"""`run_online_dpo --policy FOLDER` registers the folder as a checkpoint to start from; when the launch is
then refused, nothing stays behind (a leftover checkpoint became the newest, the default start of the
next launch from the web or the API)."""
import pytest
from django.core.management import CommandError, call_command

from tests.training.online_dpo.online_dpo_helpers import fill_project, register_policy, register_reward_model
from training.policies.models import PolicyCheckpoint
from training.policies.services import default_start_checkpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("options", [{"rounds": 51}, {"rounds": 1, "reward_model": 99999}])
def test_a_refused_launch_registers_no_checkpoint(project, tmp_path, options):
    fill_project(project, prompts=12, items=0)
    before = register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "proxy"))

    with pytest.raises(CommandError):
        call_command("run_online_dpo", "--project", project.slug, "--policy", str(tmp_path / "other-policy"), **options)

    assert list(PolicyCheckpoint.objects.all()) == [before]
    assert default_start_checkpoint(project=project) == before
