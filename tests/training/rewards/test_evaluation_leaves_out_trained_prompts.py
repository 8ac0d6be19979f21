"""Every evaluation leaves out the pairs whose prompts the model may have been trained on, and says how
many: the train split of the version(s) it was trained from, or, for a model trained on its project's own
judgements, the prompts judged before its training job started. A report on its own training pairs
would measure memory, and a large one would count as the evidence that activates it (issue 17's gate)."""
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from annotation.models import Annotation
from jobs.models import TrainingJob
from tests.training.rewards.test_evaluate_reward_model import tiny_reward_model  # noqa: F401
from tests.training.rewards.test_reward_evaluation_job import evaluations
from tests.training.rewards.test_reward_job import add_separable_judgements
from tests.training.rewards.test_reward_job_dataset import built_version
from training.rewards.evaluation_pairs import evaluation_pairs_from_version
from training.rewards.models import RewardModel


def evaluate(model: RewardModel, *options: str) -> str:
    out = io.StringIO()
    call_command("evaluate_reward_model", str(model.pk), *options, "--device", "cpu", stdout=out)
    return out.getvalue()


def training_starts_now(model: RewardModel) -> None:
    TrainingJob.objects.filter(pk=model.job_id).update(started_at=timezone.now())


@pytest.mark.django_db
def test_prompts_judged_before_training_are_left_out(tiny_reward_model, project, annotator, admin_user, client):  # noqa: F811
    items = add_separable_judgements(project, annotator)
    version = built_version(project, admin_user, "trl-preference")
    training_starts_now(tiny_reward_model)
    # half the judgements come after the model's training started: those prompts it never saw
    Annotation.objects.filter(item__in=items[:12]).update(created_at=timezone.now() + timezone.timedelta(hours=1))

    text = evaluate(tiny_reward_model, "--dataset", str(version.pk), "--split", "all")

    [report] = evaluations(tiny_reward_model)
    assert (report["n"], report["left_out_trained_prompts"]) == (12, 12)
    assert "12 pairs (12 left out: prompts it may have been trained on)" in text
    client.force_login(admin_user)
    page = " ".join(client.get(reverse("training:reward_models", args=[project.slug])).content.decode().split())
    assert "n 12, " in page and "12 pairs left out (prompts it may have been trained on)" in page


@pytest.mark.django_db
def test_an_evaluation_on_nothing_but_trained_prompts_is_refused(tiny_reward_model, project, annotator, admin_user, tmp_path):  # noqa: F811
    items = add_separable_judgements(project, annotator)
    version = built_version(project, admin_user, "trl-preference")
    training_starts_now(tiny_reward_model)
    trained = tmp_path / "trained.jsonl"
    trained.write_text("\n".join(
        json.dumps({"prompt": item.prompt.messages, "chosen": item.response_1.text, "rejected": item.response_2.text})
        for item in items
    ))

    for source in (["--dataset", str(version.pk), "--split", "all"], ["--file", str(trained)]):
        with pytest.raises(CommandError, match="All 24 pairs have prompts that .* may have been trained on"):
            evaluate(tiny_reward_model, *source)

    assert evaluations(tiny_reward_model) == []


@pytest.mark.django_db
def test_a_later_version_of_the_same_judgements_scores_only_the_prompts_outside_the_training_split(
    tiny_reward_model, project, annotator, admin_user  # noqa: F811
):
    add_separable_judgements(project, annotator)
    first = built_version(project, admin_user, "trl-preference")
    second = built_version(project, admin_user, "trl-preference")
    RewardModel.objects.filter(pk=tiny_reward_model.pk).update(dataset_version=first)
    trained = len(evaluation_pairs_from_version(first, "train"))

    evaluate(RewardModel.objects.get(pk=tiny_reward_model.pk), "--dataset", str(second.pk), "--split", "all")

    [report] = evaluations(tiny_reward_model)
    assert report["left_out_trained_prompts"] == trained and report["n"] == 24 - trained > 0
