"""A checkpoint is evaluated only on prompts its lineage never trained on: an online run or an arena whose
held-out share (`eval_fraction`) is larger than the share any job of a checkpoint's lineage trained with
is refused, naming the setting (the held-out pool is the prompts below the share, and training used the
rest, so a larger share would hold prompts it learnt from)."""
import pytest
from django.core.exceptions import ValidationError

from jobs.models import JobKind, JobStatus, TrainingJob
from tests.training.online_dpo.online_dpo_helpers import fill_project, register_reward_model
from training.arena.services import arena_launch
from training.online_dpo.services import online_run_launch
from training.policies.models import PolicyCheckpoint

pytestmark = pytest.mark.django_db


def trained(project, name: str, eval_fraction: float, parent: PolicyCheckpoint | None = None) -> PolicyCheckpoint:
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.ONLINE_DPO, status=JobStatus.SUCCEEDED, config={"eval_fraction": eval_fraction}
    )
    return PolicyCheckpoint.objects.create(
        project=project, name=name, base_model="/tmp/p", path=f"/tmp/{name}", merged_path=f"/tmp/{name}",
        parent=parent, created_by_job=job,
    )


@pytest.fixture
def lineage(project, tmp_path):
    fill_project(project, prompts=40, items=0)
    register_reward_model(project, str(tmp_path / "proxy"))
    bootstrap = trained(project, "bootstrap", 0.1)
    return bootstrap, trained(project, "round-1", 0.2, parent=bootstrap)


def test_an_online_run_with_a_larger_share_than_its_lineage_is_refused(project, admin_user, lineage):
    _, newest = lineage

    with pytest.raises(ValidationError) as raised:
        online_run_launch(project=project, rounds=1, config={"eval_fraction": 0.2, "device": "cpu"}, launched_by=admin_user,
                          start_checkpoint=newest, enqueue=False)

    message = str(raised.value.message_dict["eval_fraction"])
    assert "at most 0.1" in message and "bootstrap" in message
    online_run_launch(project=project, rounds=1, config={"eval_fraction": 0.1, "device": "cpu"}, launched_by=admin_user,
                      start_checkpoint=newest, enqueue=False)


def test_an_arena_with_a_larger_share_than_a_contestants_lineage_is_refused(project, admin_user, lineage):
    bootstrap, newest = lineage

    with pytest.raises(ValidationError) as raised:
        arena_launch(project=project, checkpoint_ids=[bootstrap.pk, newest.pk], model_names=[],
                     config={"eval_fraction": 0.9}, launched_by=admin_user, enqueue=False)

    assert "at most 0.1" in str(raised.value.message_dict["eval_fraction"])
    arena_launch(project=project, checkpoint_ids=[bootstrap.pk, newest.pk], model_names=[],
                 config={"eval_fraction": 0.1}, launched_by=admin_user, enqueue=False)
