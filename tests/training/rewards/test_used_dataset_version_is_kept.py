"""A dataset version that a job or a registered model was launched on cannot be deleted (a queued job
whose version vanished trained on the project's annotations instead, and a model lost its provenance);
deleting the whole project still deletes its versions, jobs and models together."""
import pytest
from django.db.models import RestrictedError

from annotation.models import Project
from datasets_app.models import DatasetVersion
from jobs.models import TrainingJob
from tests.training.rewards.test_reward_job import add_separable_judgements
from tests.training.rewards.test_reward_job_dataset import built_version
from training.rewards.services import reward_job_launch


@pytest.mark.django_db
def test_a_version_a_queued_job_trains_on_cannot_be_deleted(project, annotator, admin_user):
    add_separable_judgements(project, annotator)
    version = built_version(project, admin_user, "trl-preference")
    job = reward_job_launch(project=project, config={"objective": "bt"}, launched_by=admin_user, dataset_version=version, enqueue=False)

    with pytest.raises(RestrictedError):
        version.delete()

    job.refresh_from_db()
    assert job.dataset_version == version


@pytest.mark.django_db
def test_deleting_the_project_deletes_its_versions_and_jobs(project, annotator, admin_user):
    add_separable_judgements(project, annotator)
    version = built_version(project, admin_user, "trl-preference")
    reward_job_launch(project=project, config={"objective": "bt"}, launched_by=admin_user, dataset_version=version, enqueue=False)

    Project.objects.filter(pk=project.pk).delete()

    assert not DatasetVersion.objects.exists() and not TrainingJob.objects.exists()
