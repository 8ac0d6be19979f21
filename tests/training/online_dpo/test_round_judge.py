"""Every round judged by something other than its own optimiser: the independent judge is checked
against the proxy at launch (a 400), and the evaluation scores with the judge's scorer and measures KL
to the run's initial checkpoint, not only to the previous one."""
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.training.online_dpo.online_dpo_helpers import FAST_ROUND, fill_project, register_policy, register_reward_model
from training.online_dpo import round_body
from training.online_dpo.config import round_config_clean
from training.online_dpo.models import OnlineRound
from training.online_dpo.services import _round_create, online_round_mismatch_refresh, online_run_launch
from training.policies.models import PolicyCheckpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(project, tmp_path):
    fill_project(project, prompts=12, items=0)
    register_policy(project, str(tmp_path / "policy"))
    proxy = register_reward_model(project, str(tmp_path / "proxy"))
    other = register_reward_model(project, str(tmp_path / "judge"))
    return SimpleNamespace(project=project, proxy=proxy, other=other, tmp_path=tmp_path)


def test_one_judge_at_most():
    with pytest.raises(ValidationError) as caught:
        round_config_clean({"judge_reward_model": 2, "judge_member": 0})
    assert set(caught.value.message_dict) == {"judge_reward_model", "judge_member"}
    assert round_config_clean({"judge_path": "/models/judge"})["judge_path"] == "/models/judge"


def test_the_judge_must_not_be_the_proxy_a_clear_400(ready, admin_user, client_for):
    api = client_for(admin_user)
    url = reverse("api-online-runs", args=[ready.project.slug])
    same = api.post(url, {"rounds": 1, "reward_model": ready.proxy.pk, "config": {"judge_reward_model": ready.proxy.pk}}, format="json")
    assert same.status_code == 400
    assert "must not be the proxy" in str(same.json()["errors"]["judge_reward_model"])
    # the active model is the proxy when none is named
    same_active = api.post(url, {"rounds": 1, "config": {"judge_reward_model": ready.proxy.pk}}, format="json")
    assert same_active.status_code == 400 and "must not be the proxy" in str(same_active.json()["errors"]["judge_reward_model"])
    same_path = api.post(url, {"rounds": 1, "config": {"judge_path": ready.proxy.path}}, format="json")
    assert same_path.status_code == 400 and "judge_path" in same_path.json()["errors"]
    unknown = api.post(url, {"rounds": 1, "config": {"judge_reward_model": 99999}}, format="json")
    assert unknown.status_code == 400 and "not one of project" in str(unknown.json()["errors"]["judge_reward_model"])
    one_member = api.post(url, {"rounds": 1, "config": {"judge_member": 0}}, format="json")
    assert one_member.status_code == 400 and "at least 2" in str(one_member.json()["errors"]["judge_member"])
    ok = api.post(url, {"rounds": 1, "config": {"judge_reward_model": ready.other.pk, "device": "cpu"}}, format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["config"]["judge_reward_model"] == ready.other.pk


def test_a_judge_trained_on_the_same_labels_is_refused(ready, admin_user):
    for model in (ready.proxy, ready.other):
        model.data_source = {"source": f"the annotations of project {ready.project.slug!r}"}
        model.save()
    with pytest.raises(ValidationError) as caught:
        online_run_launch(project=ready.project, rounds=1, config={"judge_reward_model": ready.other.pk}, launched_by=admin_user, enqueue=False)
    assert "overlap" in str(caught.value.message_dict["judge_reward_model"])
    ready.other.data_source = {"source": "dataset version demo v2"}
    ready.other.save()
    online_run_launch(project=ready.project, rounds=1, config={"judge_reward_model": ready.other.pk}, launched_by=admin_user, enqueue=False)


class Reporter:
    def __init__(self):
        self.lines = []

    def log(self, line):
        self.lines.append(line)

    def progress(self, *args, **kwargs):
        pass

    def artifact(self, *args, **kwargs):
        pass

    def should_stop(self):
        return False


def test_the_evaluation_uses_the_judges_scorer_and_measures_kl_to_the_initial_checkpoint(ready, admin_user, monkeypatch):
    import verdict_ml.online_dpo as online_dpo
    import verdict_ml.rewards.ensemble as ensemble

    run = online_run_launch(
        project=ready.project, rounds=2, config={**FAST_ROUND, "judge_reward_model": ready.other.pk},
        launched_by=admin_user, enqueue=False,
    )
    initial = run.initial_checkpoint
    later = PolicyCheckpoint.objects.create(project=ready.project, name="round 1", base_model=initial.base_model, path="/ckpt/round-1", merged_path="/ckpt/round-1", parent=initial)
    round_two = _round_create(run=run, index=2, start=later, enqueue=False)
    round_two = OnlineRound.objects.select_related("run", "start_checkpoint", "run__initial_checkpoint").get(pk=round_two.pk)

    proxy_scorer, judge_scorer = object(), object()
    loaded, calls = [], {}
    monkeypatch.setattr(ensemble, "load_reward_scorer", lambda paths, **kwargs: loaded.append(list(paths)) or judge_scorer)
    monkeypatch.setattr(round_body, "_training_pairs", lambda round_, config: ([SimpleNamespace()], 0))
    monkeypatch.setattr(round_body, "_discrepancy", lambda round_, path, config: {"discrepant": 1, "pairs": 4, "rate": 0.25, "interval": [0.05, 0.7]})
    result = SimpleNamespace(
        cancelled=False, steps=3, margin_start=0.0, margin_end=0.1, accuracy_start=0.5, accuracy_end=0.75,
        checkpoint_path="/ckpt/round-2", is_adapter=False, reference="previous", reference_path="/ckpt/round-1",
    )
    monkeypatch.setattr(online_dpo, "train_dpo", lambda *args, **kwargs: result)

    def evaluate(policy, reference, previous, prompts, reward_fn, **kwargs):
        calls.update(policy=policy, reference=reference, previous=previous, reward_fn=reward_fn, **kwargs)
        return {
            "mean_reward": 0.4, "previous_mean_reward": 0.2, "win_rate_vs_previous": 0.6, "kl_to_reference": 0.1,
            "kl_to_previous": 0.1, "kl_to_start": 0.3, "mean_response_tokens": 7.0, "judge_mean_reward": -0.1,
            "intervals": {"mean_reward": [0.3, 0.5], "judge_mean_reward": [-0.2, 0.0]},
        }

    monkeypatch.setattr(online_dpo, "evaluate_policy", evaluate)

    round_body._train_and_evaluate(round_two.job, round_two, run.config, proxy_scorer, Reporter())

    assert calls["reward_fn"] is proxy_scorer and calls["judge_fn"] is judge_scorer
    assert loaded == [ready.other.member_paths]
    assert calls["start_policy"] == initial.load_path != later.load_path
    assert calls["previous"] == later.load_path
    round_two.refresh_from_db()
    assert round_two.evaluation["judge"]["reward_model"] == ready.other.pk
    assert round_two.evaluation["start_policy_path"] == initial.load_path
    assert round_two.evaluation["kl_to_start"] == 0.3
    assert round_two.evaluation["policy_rm_discrepancy"]["rate"] == 0.25


def test_a_judge_that_became_the_proxy_fails_the_round(ready, admin_user):
    run = online_run_launch(project=ready.project, rounds=1, config={"judge_reward_model": ready.other.pk}, launched_by=admin_user, enqueue=False)
    round_ = run.rounds.get()
    round_.reward_model = ready.other  # e.g. the judge was made the active model before the round started
    round_.save()
    with pytest.raises(ValueError, match="must not be the proxy"):
        round_body._judge_scorer(round_, run.config, Reporter())


def test_the_rm_human_mismatch_carries_its_wilson_interval(ready, admin_user):
    run = online_run_launch(project=ready.project, rounds=1, config={}, launched_by=admin_user, enqueue=False)
    round_ = online_round_mismatch_refresh(round_=run.rounds.get())
    assert round_.evaluation["human_mismatch"] == {
        "mismatches": 0, "decisive": 0, "rate": None, "interval": None, "interval_method": "Wilson score, 95 %",
    }
