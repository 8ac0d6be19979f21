"""Who may see and launch online DPO rounds, and what a bad launch is told. Only admins launch;
researchers of the project read; annotators never see round pages; non-members get 404."""
import pytest
from django.urls import reverse

from jobs.models import JobStatus, TrainingJob
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.training.online_dpo.online_dpo_helpers import FAST_ROUND, fill_project, register_policy, register_reward_model
from training.online_dpo.config import round_config_clean
from training.online_dpo.models import OnlineRound
from training.online_dpo.services import online_run_launch
from training.policies.pools import prompt_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched_round(project, admin_user, tmp_path) -> OnlineRound:
    fill_project(project, prompts=12, items=0)
    register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "reward"))
    run = online_run_launch(project=project, rounds=2, config=FAST_ROUND, launched_by=admin_user, enqueue=False)
    return run.rounds.get()


def pages(round_: OnlineRound) -> list[str]:
    slug = round_.project.slug
    return [
        reverse("training:rounds", args=[slug]), reverse("training:round_detail", args=[slug, round_.pk]),
        reverse("training:policies", args=[slug]), reverse("api-online-runs", args=[slug]),
        reverse("api-online-round", args=[slug, round_.pk]), reverse("api-policies", args=[slug]),
    ]


def test_researchers_read_rounds_but_only_admins_launch(launched_round, researcher, admin_user, client, client_for):
    client.force_login(researcher)
    assert [client.get(url).status_code for url in pages(launched_round)[:3]] == [200, 200, 200]
    assert [client_for(researcher).get(url).status_code for url in pages(launched_round)[3:]] == [200, 200, 200]
    assert b"Launch rounds" not in client.get(pages(launched_round)[0]).content
    assert client.post(pages(launched_round)[0], {"rounds": 1}).status_code == 403
    assert client_for(researcher).post(reverse("api-online-runs", args=["demo"]), {"rounds": 1}, format="json").status_code == 403
    assert client_for(researcher).post(reverse("api-policy-bootstrap", args=["demo"]), {}, format="json").status_code == 403

    client.force_login(admin_user)
    page = client.get(pages(launched_round)[0])
    assert b"Launch rounds" in page.content and b'src="/static/js/rounds.js"' in page.content


def test_annotators_never_see_rounds_and_non_members_get_404(launched_round, annotator, client, client_for):
    client.force_login(annotator)
    assert {client.get(url).status_code for url in pages(launched_round)[:3]} == {403}
    assert {client_for(annotator).get(url).status_code for url in pages(launched_round)[3:]} == {403}

    outsider = UserFactory(username="olga", role="researcher")
    MembershipFactory(project=ProjectFactory(slug="other"), user=outsider)
    client.force_login(outsider)
    assert {client.get(url).status_code for url in pages(launched_round)[:3]} == {404}
    assert {client_for(outsider).get(url).status_code for url in pages(launched_round)[3:]} == {404}


def test_the_launch_checks_settings_policy_reward_model_and_pools(project, admin_user, client_for, tmp_path):
    api = client_for(admin_user)
    url = reverse("api-online-runs", args=["demo"])
    fill_project(project, prompts=12, items=0)

    no_policy = api.post(url, {"rounds": 1}, format="json")
    assert no_policy.status_code == 400 and "bootstrap_policy" in str(no_policy.json()["errors"]["start_checkpoint"])
    register_policy(project, str(tmp_path / "policy"))
    no_model = api.post(url, {"rounds": 1}, format="json")
    assert no_model.status_code == 400 and "no active reward model" in str(no_model.json()["errors"]["reward_model"])
    register_reward_model(project, str(tmp_path / "reward"))

    bad = api.post(url, {"rounds": 1, "config": {"samples_per_prompt": 1, "pair_strategy": "best", "colour": "red"}}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"colour"}
    bad = api.post(url, {"rounds": 1, "config": {"samples_per_prompt": 1, "pair_strategy": "best", "mode": True}}, format="json")
    assert set(bad.json()["errors"]) == {"samples_per_prompt", "pair_strategy", "mode"}
    assert "from 2 to 64" in str(bad.json()["errors"]["samples_per_prompt"])
    too_many = api.post(url, {"rounds": 51}, format="json")
    assert too_many.status_code == 400 and "rounds" in too_many.json()["errors"]
    assert not TrainingJob.objects.filter(status=JobStatus.QUEUED).exists()

    api.post(url, {"rounds": 1, "config": {"device": "cpu"}}, format="json")
    busy = api.post(url, {"rounds": 1}, format="json")
    assert busy.status_code == 400 and "still" in str(busy.json()["errors"]["rounds"])


def test_prompt_pools_are_fixed_by_content_hash_unless_pinned(project):
    fill_project(project, prompts=40, items=0)
    prompts = list(project.prompts.all())
    pools = [prompt_pool(p, 0.25) for p in prompts]
    assert 0 < pools.count("eval") < len(prompts) and pools == [prompt_pool(p, 0.25) for p in prompts]
    pinned = prompts[0]
    pinned.metadata = {"policy_split": "eval" if pools[0] == "train" else "train"}
    assert prompt_pool(pinned, 0.25) != pools[0]
    assert round_config_clean({})["samples_per_prompt"] == 4 and round_config_clean({})["pair_strategy"] == "best_vs_worst"


def test_admins_register_any_causal_lm_as_a_starting_policy(project, admin_user, researcher, client):
    url = reverse("training:policy_register", args=["demo"])
    client.force_login(researcher)
    assert client.post(url, {"path": "Qwen/Qwen2.5-0.5B-Instruct"}).status_code == 403

    client.force_login(admin_user)
    client.post(url, {"path": "Qwen/Qwen2.5-0.5B-Instruct"})
    client.post(url, {"path": "Qwen/Qwen2.5-0.5B-Instruct"})

    (checkpoint,) = project.policy_checkpoints.all()
    assert (checkpoint.name, checkpoint.path, checkpoint.parent) == ("Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", None)
    assert b"Qwen/Qwen2.5-0.5B-Instruct" in client.get(reverse("training:policies", args=["demo"])).content


def test_the_launch_form_queues_round_one_and_shows_bad_settings(project, admin_user, client, tmp_path):
    fill_project(project, prompts=12, items=0)
    register_policy(project, str(tmp_path / "policy"))
    register_reward_model(project, str(tmp_path / "reward"))
    client.force_login(admin_user)
    url = reverse("training:rounds", args=["demo"])
    form = {"rounds": 2, "mode": "human", "prompts_per_round": 8, "samples_per_prompt": 4, "pair_strategy": "best_vs_second",
            "human_fraction": 0.5, "reference": "initial", "beta": 0.2, "learning_rate": 1e-4}

    bad = client.post(url, {**form, "extra": '{"top_p": 2}'})
    assert bad.status_code == 200 and b"top_p: Must be more than 0 and at most 1" in bad.content

    launched = client.post(url, {**form, "extra": '{"temperature": 0.8}'})

    round_ = OnlineRound.objects.get(project=project)
    assert launched.status_code == 302 and launched.url == reverse("training:round_detail", args=["demo", round_.pk])
    assert round_.job.status == JobStatus.QUEUED and round_.job.kind == "online_dpo"
    config = round_.run.config
    assert (config["mode"], config["pair_strategy"], config["reference"], config["temperature"], config["human_fraction"]) == (
        "human", "best_vs_second", "initial", 0.8, 0.5)
