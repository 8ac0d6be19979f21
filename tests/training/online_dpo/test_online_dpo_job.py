"""Online DPO rounds end to end on CPU (Celery eager): a tiny policy, a tiny reward model that prefers
some words, two chained rounds launched through the API; the checkpoint chain, the samples'
provenance, the human slice in an annotator's queue, DPO's margin and the held-out figures."""
import pytest
from django.urls import reverse

from annotation.models import Item, Response, ResponseSource
from annotation.services import assignment_next
from jobs.models import JobStatus
from tests.training.online_dpo.online_dpo_helpers import (
    FAST_ROUND,
    annotate_slice,
    fill_project,
    register_policy,
    register_reward_model,
    shared_tiny_policy,
    shared_word_reward_model,
)
from training.online_dpo.models import OnlineRound, RoundStep
from training.online_dpo.tasks import online_dpo_tick
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, prompt_pools


@pytest.fixture
def round_project(project):
    fill_project(project)
    register_policy(project, shared_tiny_policy())
    register_reward_model(project, shared_word_reward_model())
    return project


def launch(client, slug: str, rounds: int, **config) -> dict:
    response = client.post(reverse("api-online-runs", args=[slug]), {"rounds": rounds, "config": {**FAST_ROUND, **config}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_two_rounds_chain_checkpoints_record_provenance_and_route_the_slice(round_project, admin_user, annotator, client_for):
    run = launch(client_for(admin_user), "demo", 2)

    first, second = OnlineRound.objects.filter(run_id=run["id"]).order_by("index")
    assert [first.job.status, second.job.status] == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED], (first.job.error, second.job.error)
    initial = PolicyCheckpoint.objects.get(project=round_project, parent__isnull=True)
    assert (first.start_checkpoint, first.checkpoint.parent) == (initial, initial)
    assert (second.start_checkpoint, second.checkpoint.parent) == (first.checkpoint, first.checkpoint)
    assert second.checkpoint.round == second.number == first.number + 1
    assert second.checkpoint.created_by_job == second.job and second.job.artifacts.get(name="policy").ready

    sampled = Response.objects.filter(round=second.number, source=ResponseSource.POLICY)
    assert sampled.exists() and set(sampled.values_list("checkpoint", flat=True)) == {first.checkpoint.load_path}
    params = sampled.first().generation_params
    assert (params["temperature"], params["top_p"], params["max_new_tokens"], params["num_samples"]) == (1.0, 1.0, 12, 4)
    assert sampled.first().metadata["policy_checkpoint"] == first.checkpoint.pk and "reward" in sampled.first().metadata

    for round_ in (first, second):
        assert round_.step == RoundStep.DONE and len(round_.prompt_ids) == 10 and round_.num_samples == 40
        assert round_.pairs and all(pair["chosen_reward"] > pair["rejected_reward"] for pair in round_.pairs)
        assert round_.margin_end > round_.margin_start
        assert None not in (round_.mean_reward, round_.previous_mean_reward, round_.win_rate, round_.kl, round_.mean_length)
        margins = [m.values["rewards/margins"] for m in round_.job.metrics.order_by("step")]
        assert len(margins) >= 3 and max(margins[-2:]) > margins[0]
        slice_items = round_.human_items.all()
        assert slice_items.count() == sum(1 for pair in round_.pairs if pair["item"]) >= 1
        assert set(slice_items.values_list("round", flat=True)) == {round_.number}

    held_out = set(prompt_pools(project=round_project, eval_fraction=first.run.config["eval_fraction"])[EVAL_POOL])
    assert held_out and not held_out & set(first.prompt_ids + second.prompt_ids)
    assignment = assignment_next(annotator=annotator, project=round_project)
    assert assignment.item.round in (first.number, second.number)
    assert assignment.item.response_1.source == ResponseSource.POLICY
    assert Item.objects.filter(project=round_project, round__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_proxy_rounds_report_mismatch_as_labels_accrue_and_chart_every_figure(round_project, admin_user, annotator, client_for):
    run = launch(client_for(admin_user), "demo", 1)
    round_ = OnlineRound.objects.get(run_id=run["id"])
    assert round_.job.status == JobStatus.SUCCEEDED and round_.mismatch_rate is None
    assert round_.job.summary["metrics"]["mean_reward"] == round_.mean_reward

    annotate_slice(round_, annotator, against_rm=2)
    assert online_dpo_tick.delay().get() == {"resumed": 0, "refreshed": 1}

    round_.refresh_from_db()
    assert (round_.human_labelled, round_.mismatch_count, round_.human_pairs_used) == (3, 2, 0)
    assert round_.mismatch_rate == pytest.approx(2 / 3)
    payload = client_for(admin_user).get(reverse("api-online-runs", args=["demo"])).json()
    chart = payload["chart"]
    assert chart["rounds"] == [round_.number] and chart["mismatch_rate"] == [pytest.approx(2 / 3)]
    assert chart["mean_reward"] == [round_.mean_reward] and None not in (chart["win_rate"][0], chart["kl"][0], chart["mean_length"][0])
    assert payload["rounds"][0]["human_items"] == sorted(round_.human_items.values_list("pk", flat=True))
