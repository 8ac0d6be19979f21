"""Hindsight-derived preference pairs as training data: a reward-model job with `label_source` hindsight or
foresight, the checks that refuse it where it cannot apply, and online DPO rounds with `extra_pairs`.

The data: one pair item per topic, the flattering answer as response 1 and the honest one as response 2.
Two annotators judge every item: foresight −2 (the flattering answer looked better), hindsight +2 (once the
outcome was revealed, the honest one was). So hindsight chooses the honest answer and foresight the
flattering one, each with strength 2. One extra item is a hindsight tie (foresight −1, hindsight 0): it is a
foresight pair only.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from annotation.models import Item, Project, Prompt, messages_content_hash
from datasets_app.models import DatasetVersion
from hindsight.models import SimulatedOutcome
from hindsight.selectors import hindsight_preference_pairs
from jobs.models import JobStatus, TrainingJob
from tests.factories import ItemFactory, PromptFactory, ResponseFactory
from tests.hindsight.hindsight_helpers import complete_judgement, make_project
from tests.training.online_dpo.online_dpo_helpers import (
    FAST_ROUND,
    fill_project,
    register_policy,
    register_reward_model,
    shared_tiny_policy,
    shared_word_reward_model,
)
from tests.training.rewards.test_reward_job import fast_config
from training.online_dpo.models import OnlineRound
from training.online_dpo.round_body import online_round_execute
from training.online_dpo.services import online_run_launch
from training.policies.pools import EVAL_POOL, prompt_pool
from training.rewards.selectors import hindsight_training_data
from training.rewards.services import reward_job_launch

TOPICS = ["tea", "owls", "bread", "comets", "chess", "kites", "bees", "ferns"]
FLATTERING = "What a brilliant question about {topic}! You clearly know best already."
HONEST = "Here is what matters about {topic}, including the part you may not like."


def judged_item(project: Project, annotators: list, topic: str, ratings: list[tuple[int, int]], **prompt_fields) -> Item:
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": f"Tell me about {topic}."}], **prompt_fields)
    flattering = ResponseFactory(prompt=prompt, text=FLATTERING.format(topic=topic), model_name="sycophant")
    honest = ResponseFactory(prompt=prompt, text=HONEST.format(topic=topic), model_name="honest")
    for response in (flattering, honest):
        SimulatedOutcome.objects.create(response=response, version=1, text=f"outcome of {response.text}",
                                        simulator="template", template_text="t", template_hash="h")
    item = ItemFactory(project=project, prompt=prompt, response_1=flattering, response_2=honest)
    for annotator, (foresight, hindsight) in zip(annotators, ratings):
        complete_judgement(item, annotator, foresight, hindsight)
    return item


def add_hindsight_judgements(project: Project, annotators: list, **prompt_fields) -> None:
    for topic in TOPICS:
        judged_item(project, annotators, topic, [(-2, 2), (-2, 2)], **prompt_fields)
    judged_item(project, annotators, "tides", [(-1, 0), (-1, 0)], **prompt_fields)


@pytest.fixture
def hindsight_project(annotator, other_annotator, researcher) -> Project:
    project = make_project(annotator, other_annotator, researcher)
    add_hindsight_judgements(project, [annotator, other_annotator])
    return project


def test_foresight_and_hindsight_label_the_same_pairs_the_other_way_round(hindsight_project):
    hindsight = hindsight_training_data(project=hindsight_project, label_source="hindsight", validation_fraction=0.25, seed=0)
    foresight = hindsight_training_data(project=hindsight_project, label_source="foresight", validation_fraction=0.25, seed=0)

    assert (len(hindsight.train_pairs), len(hindsight.val_pairs)) == (6, 2)
    assert len(foresight.train_pairs) + len(foresight.val_pairs) == 9
    for pair in hindsight.train_pairs + hindsight.val_pairs:
        assert pair.chosen.startswith("Here is what matters") and pair.rejected.startswith("What a brilliant") and pair.strength == 2
    for pair in foresight.train_pairs + foresight.val_pairs:
        assert pair.chosen.startswith("What a brilliant") and pair.rejected.startswith("Here is what matters")
    assert sorted(p.strength for p in foresight.train_pairs + foresight.val_pairs) == [1] + [2] * 8
    train_prompts = {p.prompt[0]["content"] for p in hindsight.train_pairs}
    assert not train_prompts & {p.prompt[0]["content"] for p in hindsight.val_pairs}
    assert {p.prompt[0]["content"] for p in hindsight.val_pairs} <= {p.prompt[0]["content"] for p in foresight.val_pairs}


@pytest.mark.django_db(transaction=True)
def test_the_command_trains_a_reward_model_on_the_hindsight_labels(hindsight_project, tiny_model_dir, capsys):
    call_command(
        "train_reward_model", "--project", "hs", "--objective", "bt", "--label-source", "hindsight",
        "--base-model", str(tiny_model_dir), "--epochs", "2", "--batch-size", "4", "--max-length", "48",
        "--validation-fraction", "0.25", "--device", "cpu", "--inline",
    )

    job = TrainingJob.objects.get(project=hindsight_project)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.config["label_source"] == "hindsight"
    data = job.summary["data"]
    assert data["source"] == "the hindsight ratings of project 'hs'"
    assert data["train_pairs"] + data["validation_pairs"] == len(hindsight_preference_pairs(project=hindsight_project)) == 8
    assert (data["train_pairs"], data["validation_pairs"]) == (6, 2)
    assert job.progress_step == job.progress_total == 2 * 2  # 6 training pairs in batches of 4, two epochs
    assert "Job #" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_api_launches_a_foresight_job_that_trains_on_every_foresight_pair(hindsight_project, admin_user, client_for, tiny_model_dir):
    response = client_for(admin_user).post(
        "/api/projects/hs/jobs/", {"config": fast_config(tiny_model_dir, epochs=2, label_source="foresight")}, format="json"
    )
    assert response.status_code == 201, response.json()

    job = TrainingJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    data = job.summary["data"]
    assert data["train_pairs"] + data["validation_pairs"] == len(hindsight_preference_pairs(project=hindsight_project, label_source="foresight")) == 9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"label_source": "both"}, "Must be one of annotations, hindsight, foresight"),
        ({"label_source": "hindsight", "objective": "regression"}, "carry no Likert scores"),
        ({"label_source": "foresight", "objective": "regression_then_scaled_bt"}, "carry no Likert scores"),
    ],
)
def test_a_label_source_must_be_known_and_pairwise(hindsight_project, admin_user, config, message):
    with pytest.raises(ValidationError) as error:
        reward_job_launch(project=hindsight_project, config=config, launched_by=admin_user, enqueue=False)
    assert message in " ".join(error.value.message_dict["label_source"])
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_hindsight_labels_are_refused_without_the_hindsight_task_type_or_with_a_dataset_version(project, hindsight_project, admin_user):
    with pytest.raises(ValidationError) as error:
        reward_job_launch(project=project, config={"label_source": "hindsight"}, launched_by=admin_user, enqueue=False)
    assert "Project demo has no hindsight task type" in error.value.message_dict["label_source"][0]

    version = DatasetVersion(project=hindsight_project, version=1, format="trl-preference")
    with pytest.raises(ValidationError) as error:
        reward_job_launch(
            project=hindsight_project, config={"label_source": "foresight"}, launched_by=admin_user,
            dataset_version=version, enqueue=False,
        )
    assert "not a dataset version" in error.value.message_dict["label_source"][0]

    with pytest.raises(CommandError, match="label_source: Project demo has no hindsight task type"):
        call_command("train_reward_model", "--project", "demo", "--objective", "bt", "--label-source", "hindsight")
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_the_launch_form_offers_the_label_source_and_shows_its_error(project, admin_user):
    from tests.training.test_training_pages import launch_form_data

    browser = Client()
    browser.force_login(admin_user)
    assert 'name="label_source"' in browser.get("/projects/demo/training/new/").content.decode()

    response = browser.post("/projects/demo/training/new/", {**launch_form_data(project), "label_source": "hindsight"})
    assert response.status_code == 200 and "Project demo has no hindsight task type" in response.content.decode()
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_extra_pairs_need_a_known_source_and_a_hindsight_project(project, admin_user):
    register_policy(project, "unused-policy-path")
    with pytest.raises(ValidationError) as error:
        online_run_launch(project=project, rounds=1, config={"extra_pairs": "both"}, launched_by=admin_user, enqueue=False)
    assert "one of none, hindsight, foresight" in error.value.message_dict["extra_pairs"][0]
    with pytest.raises(ValidationError) as error:
        online_run_launch(project=project, rounds=1, config={"extra_pairs": "hindsight"}, launched_by=admin_user, enqueue=False)
    assert "Project demo has no hindsight task type" in error.value.message_dict["extra_pairs"][0]
    assert not OnlineRound.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_online_round_adds_the_hindsight_pairs_outside_the_evaluation_pool(annotator, other_annotator, admin_user):
    project = make_project(annotator, other_annotator)
    fill_project(project, prompts=24, items=0)
    register_policy(project, shared_tiny_policy())
    register_reward_model(project, shared_word_reward_model())
    add_hindsight_judgements(project, [annotator, other_annotator], metadata={"policy_split": "train"})
    judged_item(project, [annotator], "glaciers", [(-3, 3)], metadata={"policy_split": "eval"})
    config = {**FAST_ROUND, "prompts_per_round": 4, "eval_prompts": 2, "epochs": 1.0, "human_fraction": 0.0, "extra_pairs": "hindsight"}

    run = online_run_launch(project=project, rounds=1, config=config, launched_by=admin_user, enqueue=False)
    round_ = run.rounds.get()
    assert online_round_execute(round_.job_id, task_id="inline", chain=False) == JobStatus.SUCCEEDED, round_.job.error

    round_.refresh_from_db()
    pairs = hindsight_preference_pairs(project=project)
    assert len(pairs) == 9
    assert sum(prompt_pool(Prompt.objects.get(content_hash=messages_content_hash(p["prompt"]), project=project), 0.2) == EVAL_POOL for p in pairs) == 1
    evaluation = round_.evaluation
    assert (evaluation["extra_pairs"], evaluation["extra_pairs_left_out"], evaluation["extra_pairs_source"]) == (8, 1, "hindsight")
    assert evaluation["num_pairs"] == len(round_.pairs) + 8
    assert "8 hindsight-labelled pair(s) added" in round_.job.log_tail

    browser = Client()
    browser.force_login(admin_user)
    page = browser.get(reverse("training:round_detail", args=[project.slug, round_.pk])).content.decode()
    assert "Added hindsight-labelled pairs (left out: on evaluation prompts)</td><td>8 (1)</td>" in page
