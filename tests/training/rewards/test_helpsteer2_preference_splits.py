"""A helpsteer2-preference version keeps both splits in one file, its `split` column saying `train` or
`val` (HelpSteer2-Preference's own values): its validation rows are read as the validation split."""
import pytest

from tests.training.rewards.test_reward_job_dataset import built_version, judged_project  # noqa: F401
from training.rewards.evaluation_pairs import evaluation_pairs_from_version


@pytest.mark.django_db
def test_the_validation_split_of_a_helpsteer2_preference_version_is_read(judged_project, admin_user):  # noqa: F811
    version = built_version(judged_project, admin_user, "helpsteer2-preference")

    validation = evaluation_pairs_from_version(version, "validation")
    train = evaluation_pairs_from_version(version, "train")

    assert validation and len(train) + len(validation) == 24
    assert len(evaluation_pairs_from_version(version, "all")) == 24
