"""`evaluate_reward_model` (issue 17): a registered reward model scored on pairs read from a file in an
importable preference format (never imported) or a dataset version; accuracy with a 95 % Wilson interval,
agreement by preference strength, ECE and mean margin, stored on the model and shown on its registry page."""
import gzip
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.models import Item
from jobs.models import Artifact, JobKind, JobStatus, TrainingJob
from training.rewards.models import RewardModel
from training.rewards.services import reward_model_register
from verdict_ml.rewards.metrics import wilson_interval

PAIRS = [
    ("How do I boil an egg?", "Put it in boiling water for nine minutes.", "No."),
    ("Name a colour.", "Blue.", "I will not answer that."),
    ("What is 2 + 2?", "Four.", "Why would I tell you?"),
    ("Say something kind.", "You are doing great today.", "Go away."),
    ("Recommend a book.", "Try 'The Hobbit', a warm adventure.", "Books are pointless."),
    ("How do plants grow?", "They use sunlight, water and carbon dioxide.", "Figure it out yourself."),
]


@pytest.fixture
def tiny_reward_model(project, tiny_model_dir) -> RewardModel:
    job = TrainingJob.objects.create(
        project=project, kind=JobKind.REWARD_MODEL, status=JobStatus.SUCCEEDED, config={"objective": "bt"},
        summary={"model_dirs": [str(tiny_model_dir)], "base_model": "tiny-bert", "metrics": {}},
    )
    Artifact.objects.create(job=job, name="reward_model", path=str(tiny_model_dir), ready=True)
    return reward_model_register(job=job)


def hh_line(prompt: str, chosen: str, rejected: str) -> str:
    return json.dumps({"chosen": f"\n\nHuman: {prompt}\n\nAssistant: {chosen}", "rejected": f"\n\nHuman: {prompt}\n\nAssistant: {rejected}"})


def direct_scores(model_dir, pairs) -> tuple[list[float], list[float]]:
    from verdict_ml.rewards.ensemble import load_reward_scorer

    scorer = load_reward_scorer(str(model_dir), "cpu")
    prompts = [[{"role": "user", "content": p}] for p, _, _ in pairs]
    return scorer(prompts, [c for _, c, _ in pairs]), scorer(prompts, [r for _, _, r in pairs])


@pytest.mark.django_db
def test_it_scores_an_hh_file_reports_a_wilson_interval_and_stores_the_result(tiny_reward_model, tiny_model_dir, tmp_path):
    path = tmp_path / "held-out.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(hh_line(*pair) for pair in PAIRS) + "\n")
    out = io.StringIO()

    call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu", stdout=out)

    chosen, rejected = direct_scores(tiny_model_dir, PAIRS)
    correct = sum(c > r for c, r in zip(chosen, rejected))
    low, high = wilson_interval(correct, len(PAIRS))
    text = out.getvalue()
    assert f"on held-out.jsonl.gz: {len(PAIRS)} pairs" in text
    assert f"pairwise accuracy {correct / len(PAIRS):.3f} (95 % Wilson interval {low:.3f}–{high:.3f})" in text
    tiny_reward_model.refresh_from_db()
    [stored] = tiny_reward_model.metrics["evaluations"]
    assert stored["n"] == len(PAIRS) and stored["source"] == "held-out.jsonl.gz" and stored["interval"] == "wilson-95"
    margin = sum(c - r for c, r in zip(chosen, rejected)) / len(PAIRS)
    assert stored["margin_mean"] == pytest.approx(margin, abs=1e-5) and 0 <= stored["ece"] <= 1
    assert not Item.objects.exists()  # read, never imported


@pytest.mark.django_db
def test_swapping_chosen_and_rejected_in_a_trl_file_mirrors_the_accuracy(tiny_reward_model, tmp_path):
    forward, backward = tmp_path / "forward.jsonl", tmp_path / "backward.jsonl"
    forward.write_text("\n".join(json.dumps({"prompt": p, "chosen": c, "rejected": r}) for p, c, r in PAIRS))
    backward.write_text("\n".join(json.dumps({"prompt": p, "chosen": r, "rejected": c}) for p, c, r in PAIRS))

    for path in (forward, backward):
        call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu", stdout=io.StringIO())

    tiny_reward_model.refresh_from_db()
    first, second = tiny_reward_model.metrics["evaluations"]
    assert first["ties"] == second["ties"] == 0
    assert first["accuracy"] + second["accuracy"] == pytest.approx(1.0)
    assert first["margin_mean"] == pytest.approx(-second["margin_mean"], abs=1e-5)


@pytest.mark.django_db
def test_helpsteer2_preference_strengths_are_reported_separately_and_shown_on_the_registry(
    tiny_reward_model, tmp_path, admin_user, client
):
    strengths = [-3, -1, 2, 1, -2, 3]  # negative: response 1 better
    path = tmp_path / "preference.jsonl"
    path.write_text("\n".join(
        json.dumps({"split": "val", "prompt": p, "response_1": c if s < 0 else r, "response_2": r if s < 0 else c, "preference_strength": s})
        for (p, c, r), s in zip(PAIRS, strengths)
    ))
    out = io.StringIO()
    call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert {k: v["n"] for k, v in report["by_strength"].items()} == {"1": 2, "2": 2, "3": 2}
    client.force_login(admin_user)
    page = client.get(reverse("training:reward_models", args=[tiny_reward_model.project.slug])).content.decode()
    assert "eval preference.jsonl" in page and f"n {len(PAIRS)}" in page


@pytest.mark.django_db
def test_unreadable_or_unjudged_files_and_unknown_models_are_refused(tiny_reward_model, tmp_path):
    with pytest.raises(CommandError, match="No reward model with id 999"):
        call_command("evaluate_reward_model", "999", "--file", str(tmp_path / "x.jsonl"))
    with pytest.raises(CommandError, match="No file or folder"):
        call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(tmp_path / "missing.jsonl"))
    unjudged = tmp_path / "unjudged.jsonl"
    unjudged.write_text(json.dumps({"prompt": "Hi", "responses": ["a", "b"]}) + "\n")
    with pytest.raises(CommandError, match="holds no judged preference pairs"):
        call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(unjudged))
    assert "evaluations" not in RewardModel.objects.get(pk=tiny_reward_model.pk).metrics


@pytest.mark.django_db
def test_scores_out_writes_each_pairs_rewards_in_the_files_order_and_stores_none_of_them(
    tiny_reward_model, tiny_model_dir, tmp_path
):
    path, scores = tmp_path / "held-out.jsonl", tmp_path / "scores.jsonl"
    path.write_text("\n".join(hh_line(*pair) for pair in PAIRS) + "\n")

    call_command(
        "evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu",
        "--scores-out", str(scores), stdout=io.StringIO(),
    )

    chosen, rejected = direct_scores(tiny_model_dir, PAIRS)
    rows = [json.loads(line) for line in scores.read_text().splitlines()]
    assert [row["chosen"] for row in rows] == pytest.approx(chosen, abs=1e-5)
    assert [row["rejected"] for row in rows] == pytest.approx(rejected, abs=1e-5)
    assert len({row["pair"] for row in rows}) == len(PAIRS)  # a key per pair, to line files up by
    assert not list(tmp_path.glob("*.partial"))
    tiny_reward_model.refresh_from_db()
    [stored] = tiny_reward_model.metrics["evaluations"]
    assert not any(isinstance(value, list) for value in stored.values())  # the report only, no per-pair rewards


@pytest.mark.django_db
def test_a_scores_file_that_cannot_be_written_is_a_command_error_and_nothing_is_stored(tiny_reward_model, tmp_path):
    path = tmp_path / "held-out.jsonl"
    path.write_text("\n".join(hh_line(*pair) for pair in PAIRS) + "\n")
    missing = tmp_path / "no-such-folder" / "scores.jsonl"

    with pytest.raises(CommandError, match=f"Cannot write the scores to {missing}"):
        call_command("evaluate_reward_model", str(tiny_reward_model.pk), "--file", str(path), "--device", "cpu", "--scores-out", str(missing))
    assert "evaluations" not in RewardModel.objects.get(pk=tiny_reward_model.pk).metrics
