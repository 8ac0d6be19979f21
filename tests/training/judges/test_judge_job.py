"""A judge run labels a project's pairs as MODEL annotations naming the judge: a registered reward model
(the tiny word-preference BERT) or the project's tiny policy as an LM judge; `unlabelled` skips the
pairs people labelled; launching checks the judge's model; the API launches for admins only."""
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotation.models import Annotation, AnnotationSource, Item
from jobs.models import JobKind, JobStatus
from tests.datasets_app.export_builders import annotate, pair, raters
from tests.training.online_dpo.online_dpo_helpers import (
    register_policy,
    register_reward_model,
    shared_tiny_policy,
    shared_word_reward_model,
)
from training.judges.config import judge_config_defaults
from training.judges.job_body import judge_execute
from training.judges.models import JudgeRun
from training.judges.services import judge_run_launch
from training.judges.views import FORM_SETTINGS
from verdict_ml.policies.toy import DEFAULT_PREFERRED_WORDS

pytestmark = pytest.mark.django_db


def word_pairs(project, n=4):
    liked = sorted(DEFAULT_PREFERRED_WORDS)[0]
    items = []
    for index in range(n):
        good, bad = f"The cat is {liked}.", f"The cat is {'grumpy' if index % 2 else 'sleepy'} {index}."
        items.append(pair(project, f"Tell me about the cat {index}.", good if index % 2 else bad, bad if index % 2 else good))
    return items


def test_a_reward_model_judge_labels_every_pair(project, admin_user):
    items = word_pairs(project)
    register_reward_model(project, shared_word_reward_model())
    run = judge_run_launch(project=project, config={"device": "cpu"}, launched_by=admin_user, enqueue=False)
    assert run.job.kind == JobKind.JUDGE and run.label.startswith(f"judge #{run.pk}: reward model ")

    assert judge_execute(run.job_id, task_id="test") == JobStatus.SUCCEEDED, run.job.error

    labels = Annotation.objects.filter(source=AnnotationSource.MODEL, judge=run.label)
    assert labels.count() == len(items)
    assert all(label.annotator_id is None and -3 <= label.preference_strength <= 3 for label in labels)
    run.refresh_from_db()
    assert run.summary["labels"] == len(items) and run.summary["no_verdict"] == 0
    assert Item.objects.filter(project=project, completed_count__gt=0).count() == 0

    judge_execute(run.job_id, task_id="redelivered")  # a redelivered message finds the job claimed
    assert labels.count() == len(items)


def test_unlabelled_scope_skips_pairs_people_labelled(project, admin_user):
    items = word_pairs(project)
    annotate(items[0], raters(1)[0], preference_strength=-1)
    register_reward_model(project, shared_word_reward_model())
    run = judge_run_launch(project=project, config={"device": "cpu", "scope": "unlabelled"}, launched_by=admin_user, enqueue=False)

    assert judge_execute(run.job_id, task_id="test") == JobStatus.SUCCEEDED

    judged = set(Annotation.objects.filter(source=AnnotationSource.MODEL).values_list("item_id", flat=True))
    assert judged == {item.pk for item in items[1:]}


@pytest.mark.parametrize("method", ["generate", "logprobs"])
def test_the_tiny_policy_judges_as_an_lm_with_a_bounded_answer(project, admin_user, method):
    word_pairs(project, n=2)
    register_policy(project, shared_tiny_policy())
    template = "{conversation}\nA: {response_a}\nB: {response_b}\nVerdict:"
    config = {"judge": "lm", "method": method, "prompt_template": template, "max_new_tokens": 4, "device": "cpu"}
    run = judge_run_launch(project=project, config=config, launched_by=admin_user, enqueue=False)
    assert run.label.startswith(f"judge #{run.pk}: LM tiny initial")

    assert judge_execute(run.job_id, task_id="test") == JobStatus.SUCCEEDED, JudgeRun.objects.get(pk=run.pk).job.error

    run.refresh_from_db()
    # The tiny policy knows no verdicts: whatever it says, each pair gets a label in range or none.
    assert run.summary["pairs"] == 2
    assert run.summary["labels"] + run.summary["no_verdict"] == 2
    for label in Annotation.objects.filter(judge=run.label):
        assert label.source == AnnotationSource.MODEL and -3 <= label.preference_strength <= 3


def test_a_launch_names_what_is_missing(project, admin_user):
    word_pairs(project, n=1)
    with pytest.raises(ValidationError) as error:
        judge_run_launch(project=project, config={}, launched_by=admin_user, enqueue=False)
    assert "reward_model" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        judge_run_launch(project=project, config={"judge": "lm"}, launched_by=admin_user, enqueue=False)
    assert "model_path" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        judge_run_launch(project=project, config={"judge": "lm", "model_path": "/x", "prompt_template": "no placeholders"},
                         launched_by=admin_user, enqueue=False)
    assert "prompt_template" in error.value.message_dict


def test_the_api_launches_for_admins_and_lists_for_researchers(project, admin_user, researcher, client_for, django_capture_on_commit_callbacks, settings):
    word_pairs(project, n=1)
    register_reward_model(project, shared_word_reward_model())
    url = f"/api/projects/{project.slug}/judges/"
    assert client_for(researcher).post(url, {"config": {"device": "cpu"}}, format="json").status_code == 403
    response = client_for(admin_user).post(url, {"config": {"device": "cpu", "cuts": [0.9, 0.6, 0.7]}}, format="json")
    assert response.status_code == 400 and "cuts" in str(response.json())
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(url, {"config": {"device": "cpu"}}, format="json")
    assert response.status_code == 201, response.json()
    listed = client_for(researcher).get(url).json()
    assert [row["label"] for row in listed] == [response.json()["label"]]
    assert listed[0]["status"] == JobStatus.SUCCEEDED


def test_the_command_runs_a_reward_model_judge_inline(project):
    from io import StringIO

    from django.core.management import call_command

    word_pairs(project, n=2)
    register_reward_model(project, shared_word_reward_model())
    out = StringIO()
    call_command("run_judge", "--project", project.slug, "--device", "cpu", "--cuts", "0.6", "0.7", "0.9", stdout=out)
    assert "2 label(s) on 2 pair(s), 0 without a verdict" in out.getvalue()
    run = JudgeRun.objects.get(project=project)
    assert run.config["cuts"] == [0.6, 0.7, 0.9]


def test_the_job_page_says_what_a_judge_job_does(project, admin_user, client):
    word_pairs(project, n=1)
    register_reward_model(project, shared_word_reward_model())
    run = judge_run_launch(project=project, config={"device": "cpu"}, launched_by=admin_user, enqueue=False)
    client.force_login(admin_user)
    page = client.get(reverse("jobs:job_detail", args=[run.job_id])).content.decode()
    assert f"model judge run #{run.pk}" in page


def test_the_judges_page_launches_for_admins_and_lists_for_researchers(project, admin_user, researcher, client):
    word_pairs(project, n=1)
    model = register_reward_model(project, shared_word_reward_model())
    url = reverse("training:judges", args=[project.slug])
    client.force_login(admin_user)
    assert 'id="judge-launch"' in client.get(url).content.decode()
    form = {**{k: v for k, v in judge_config_defaults().items() if k in FORM_SETTINGS}, "reward_model": model.pk}
    form["both_orders"] = "on"
    response = client.post(url, {**form, "scope": "everything"})
    assert response.status_code == 200 and "everything" in response.content.decode()  # refused, shown beside the field
    response = client.post(url, form)
    assert response.status_code == 302, re.findall(r'<ul class="errorlist.*?</ul>', response.content.decode(), re.S)
    run = JudgeRun.objects.get(project=project)
    assert run.reward_model == model and run.config["prompt_template"] == judge_config_defaults()["prompt_template"]

    client.force_login(researcher)
    page = client.get(url).content.decode()
    assert f'data-judge="{run.label}"' in page and 'id="judge-launch"' not in page


def test_storing_a_chunk_twice_keeps_the_first_labels(project, admin_user):
    from training.judges.services import judge_labels_store

    items = word_pairs(project, n=3)
    register_reward_model(project, shared_word_reward_model())
    run = judge_run_launch(project=project, config={"device": "cpu"}, launched_by=admin_user, enqueue=False)
    assert judge_labels_store(run=run, items=items, strengths=[-1, None, 2]) == 2
    assert judge_labels_store(run=run, items=items, strengths=[3, 3, 3]) == 1
    stored = dict(Annotation.objects.filter(judge=run.label).values_list("item_id", "preference_strength"))
    assert stored == {items[0].pk: -1, items[1].pk: 3, items[2].pk: 2}
