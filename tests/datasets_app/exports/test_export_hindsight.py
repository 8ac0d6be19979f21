"""The `hindsight` export format against rows written out by hand, its containers, splits, re-runs,
filters, card and the refusal for projects without the hindsight task type.

The data (`judged`, canonical ratings; pairs: negative = response 1 better):
  single item S, prompt P1 (scenario "Works night shifts."), r1 (sycophant, round 1), outcome v2 by a model:
      anna F5 H2 return · otto F4 H1 (no answer)
  pair item Q, prompt P2 (no scenario), r3 (sycophant) vs r4 (honest), round 2, template outcomes v1:
      anna F−2 H+1 return
  gold item G (anna F3 H3) and an unfinished judgement (otto on Q, no hindsight yet): never exported.
By hand: satisfaction F (5+4)/2 = 4.5, H (2+1)/2 = 1.5, gap 3.0, regret 1/1;
         preference F −2, H 1, gap −3.0, regret 1/1; overall regret 2/2.
"""
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from datasets import load_from_disk
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client

from annotation.models import Assignment, AssignmentState, Prompt
from datasets_app.exports.builders.splits import split_of
from datasets_app.exports.services import dataset_version_create
from datasets_app.models import AnnotatorPseudonymSalt, DatasetFormat, DatasetVersion
from hindsight.models import HindsightJudgement, Scenario, SimulatedOutcome
from tests.datasets_app.export_builders import read_jsonl, read_stored
from tests.factories import ItemFactory, PromptFactory, ResponseFactory
from tests.hindsight.hindsight_helpers import make_project

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL_TRAIN = {"validation_fraction": 0.0}
P1 = [{"role": "user", "content": "Which keyboard should I buy?"}]
P2 = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello! How can I help?"},
    {"role": "user", "content": "Which laptop, A or B?"},
]
MODEL_PARAMS = {"temperature": 0.7, "max_new_tokens": 32}


def outcome(response, text, *, version=1, simulator="template", model_path="", template_hash="tpl1", params=None):
    return SimulatedOutcome.objects.create(
        response=response, version=version, text=text, simulator=simulator, model_path=model_path,
        template_text="t", template_hash=template_hash, generation_params=params or {},
    )


def judge(item, annotator, foresight, hindsight, *, keep=None, at=T0, outcomes=(None, None)):
    assignment = Assignment.objects.create(item=item, annotator=annotator, state=AssignmentState.SUBMITTED,
                                           leased_at=at, lease_expires_at=at + timedelta(minutes=30))
    return HindsightJudgement.objects.create(
        assignment=assignment, item=item, annotator=annotator, foresight_rating=foresight, foresight_at=at,
        revealed_at=at + timedelta(seconds=5) if hindsight is not None else None, hindsight_rating=hindsight,
        hindsight_at=at + timedelta(seconds=9) if hindsight is not None else None,
        justification=f"{annotator.username}: the outcome changed my mind" if hindsight is not None else "",
        keep=keep, outcome_1=outcomes[0], outcome_2=outcomes[1],
    )


@pytest.fixture
def judged(annotator, other_annotator, researcher):
    project = make_project(annotator, other_annotator, researcher, slug="hs")
    p1 = PromptFactory(project=project, messages=P1)
    Scenario.objects.create(project=project, prompt=p1, hidden_context="Works night shifts.")
    p2 = PromptFactory(project=project, messages=P2)
    r1 = ResponseFactory(prompt=p1, text="Buy A, it is cheaper.", model_name="sycophant", round=1)
    r3 = ResponseFactory(prompt=p2, text="A is shiny!", model_name="sycophant", round=2)
    r4 = ResponseFactory(prompt=p2, text="B has the battery you need.", model_name="honest", round=2)
    outcome(r1, "old outcome", version=1)
    o1 = outcome(r1, "You cannot see the keys at night.", version=2, simulator="model", model_path="tiny-sim",
                 template_hash="abc123", params=MODEL_PARAMS)
    o3, o4 = outcome(r3, "The battery died on the train."), outcome(r4, "It lasted the whole trip.")
    single = ItemFactory(project=project, prompt=p1, response_1=r1, response_2=None, round=1)
    pair = ItemFactory(project=project, prompt=p2, response_1=r3, response_2=r4, round=2)
    gold_prompt = PromptFactory(project=project, messages=[{"role": "user", "content": "Gold?"}])
    gold = ItemFactory(project=project, prompt=gold_prompt, response_2=None, is_gold=True, gold_strength=3, round=1)
    outcome(gold.response_1, "gold outcome")
    judge(single, annotator, 5, 2, keep=False, outcomes=(o1, None))
    judge(single, other_annotator, 4, 1, at=T0 + timedelta(days=1), outcomes=(o1, None))
    judge(pair, annotator, -2, 1, keep=False, outcomes=(o3, o4))
    judge(pair, other_annotator, -1, None)
    judge(gold, annotator, 3, 3, outcomes=(SimulatedOutcome.objects.get(response=gold.response_1), None))
    return project, {"single": single, "pair": pair}


def export(project, researcher, capture, *, filters=None, **policy):
    with capture(execute=True):
        version = dataset_version_create(project=project, format="hindsight", created_by=researcher,
                                         filters=filters, policy={**ALL_TRAIN, **policy})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def pseudonym(project, user):
    salt = AnnotatorPseudonymSalt.objects.get(project=project).salt.encode()
    return hmac.new(salt, str(user.pk).encode(), hashlib.sha256).hexdigest()[:16]


def iso(moment):
    return moment.isoformat()


def test_rows_match_the_hand_written_ones(judged, annotator, other_annotator, researcher, django_capture_on_commit_callbacks):
    project, items = judged
    version = export(project, researcher, django_capture_on_commit_callbacks)
    rows = read_jsonl(version, "train")
    model_provenance = json.dumps({
        "1": {"generation_params": {"max_new_tokens": 32, "temperature": 0.7}, "model_path": "tiny-sim",
              "simulator": "model", "template_hash": "abc123", "version": 2},
        "2": None,
    })
    single = {
        "split": "train", "item_id": items["single"].pk, "kind": "single", "scale": "satisfaction_1_5", "prompt": P1,
        "hidden_context": "Works night shifts.", "response_1": "Buy A, it is cheaper.", "response_2": None,
        "outcome_1": "You cannot see the keys at night.", "outcome_2": None, "outcome_provenance": model_provenance,
        "model_name_1": "sycophant", "model_name_2": None, "round": 1,
    }
    assert rows == [
        {
            **single, "annotator": pseudonym(project, annotator), "foresight_rating": 5, "hindsight_rating": 2,
            "rating_shift": -3, "justification": "anna: the outcome changed my mind", "keep": False,
            "foresight_at": iso(T0), "revealed_at": iso(T0 + timedelta(seconds=5)), "hindsight_at": iso(T0 + timedelta(seconds=9)),
        },
        {
            **single, "annotator": pseudonym(project, other_annotator), "foresight_rating": 4, "hindsight_rating": 1,
            "rating_shift": -3, "justification": "otto: the outcome changed my mind", "keep": None,
            "foresight_at": iso(T0 + timedelta(days=1)), "revealed_at": iso(T0 + timedelta(days=1, seconds=5)),
            "hindsight_at": iso(T0 + timedelta(days=1, seconds=9)),
        },
        {
            "split": "train", "item_id": items["pair"].pk, "kind": "pairwise", "scale": "preference_-3_3", "prompt": P2,
            "hidden_context": "", "response_1": "A is shiny!", "response_2": "B has the battery you need.",
            "outcome_1": "The battery died on the train.", "outcome_2": "It lasted the whole trip.",
            "outcome_provenance": json.dumps({
                "1": {"generation_params": {}, "model_path": "", "simulator": "template", "template_hash": "tpl1", "version": 1},
                "2": {"generation_params": {}, "model_path": "", "simulator": "template", "template_hash": "tpl1", "version": 1},
            }),
            "model_name_1": "sycophant", "model_name_2": "honest", "round": 2, "annotator": pseudonym(project, annotator),
            "foresight_rating": -2, "hindsight_rating": 1, "rating_shift": 3, "justification": "anna: the outcome changed my mind",
            "keep": False, "foresight_at": iso(T0), "revealed_at": iso(T0 + timedelta(seconds=5)),
            "hindsight_at": iso(T0 + timedelta(seconds=9)),
        },
    ]
    assert read_jsonl(version, "validation") == []
    assert version.row_counts == {"train": 3, "validation": 0}
    assert not any(row["annotator"] in {"anna", "otto", "rita"} for row in rows)


def test_card_summarises_ratings_gap_regret_and_simulators(judged, researcher, django_capture_on_commit_callbacks):
    project, _ = judged
    version = export(project, researcher, django_capture_on_commit_callbacks)
    assert version.stats["labels"] == {
        "foresight_rating (preference_-3_3)": {"-2": 1},
        "foresight_rating (satisfaction_1_5)": {"4": 1, "5": 1},
        "hindsight_rating (preference_-3_3)": {"1": 1},
        "hindsight_rating (satisfaction_1_5)": {"1": 1, "2": 1},
    }
    assert version.stats["hindsight"] == {
        "scales": {
            "preference_-3_3": {"judgements": 1, "foresight_mean": -2.0, "hindsight_mean": 1.0, "mean_gap": -3.0,
                                "keep_answers": 1, "regret_rate": 1.0},
            "satisfaction_1_5": {"judgements": 2, "foresight_mean": 4.5, "hindsight_mean": 1.5, "mean_gap": 3.0,
                                 "keep_answers": 1, "regret_rate": 1.0},
        },
        "regret_rate": 1.0,
        "simulators": [
            {"simulator": "model", "model_path": "tiny-sim", "template_hash": "abc123", "outcomes_shown": 2},
            {"simulator": "template", "model_path": "", "template_hash": "tpl1", "outcomes_shown": 2},
        ],
    }
    assert (version.stats["annotations"], version.stats["annotators"]) == ({"human": 3}, 2)
    assert version.stats["models"] == {"honest": 1, "sycophant": 2}
    card = read_stored(version, "README.md").decode()
    assert "## Foresight and hindsight" in card
    assert "| satisfaction_1_5 | 2 | 4.500 | 1.500 | 3.000 | 1 | 1.000 |" in card
    assert "| preference_-3_3 | 1 | -2.000 | 1.000 | -3.000 | 1 | 1.000 |" in card
    assert "| model | tiny-sim | `abc123` | 2 |" in card and "| template | — | `tpl1` | 2 |" in card
    assert "| train | 3 |" in card and "| validation | 0 |" in card
    assert "`outcome_provenance` | `string`" in card


def test_containers_hold_the_same_rows(judged, researcher, django_capture_on_commit_callbacks):
    project, _ = judged
    version = export(project, researcher, django_capture_on_commit_callbacks, validation_fraction=0.5)
    dataset = load_from_disk(default_storage.path(f"{version.storage_path}/hf"))
    total = 0
    for name in ("train", "validation"):
        rows = read_jsonl(version, name)
        assert pq.read_table(default_storage.path(f"{version.storage_path}/parquet/{name}.parquet")).to_pylist() == rows
        assert dataset[name].to_list() == rows
        assert all(isinstance(json.loads(row["outcome_provenance"]), dict) for row in rows)
        total += len(rows)
    assert total == 3 and version.zip_name in {entry["path"] for entry in version.files}


def many_prompts(project, users, count):
    """`count` prompts, each with two single items (two responses), each judged by both users."""
    for n in range(count):
        prompt = PromptFactory(project=project, messages=[{"role": "user", "content": f"Scenario {n}?"}])
        for side in ("a", "b"):
            response = ResponseFactory(prompt=prompt, text=f"Answer {n}{side}", round=1)
            item = ItemFactory(project=project, prompt=prompt, response_1=response, response_2=None, round=1)
            shown = outcome(response, f"Outcome {n}{side}")
            for user, (foresight, hindsight) in zip(users, ((4, 2), (3, 3))):
                judge(item, user, foresight, hindsight, keep=hindsight >= 3, outcomes=(shown, None))


def test_a_prompt_is_in_one_split_decided_by_its_content_hash(annotator, other_annotator, researcher,
                                                            django_capture_on_commit_callbacks):
    project = make_project(annotator, other_annotator, researcher, slug="hs")
    many_prompts(project, (annotator, other_annotator), 16)
    version = export(project, researcher, django_capture_on_commit_callbacks, validation_fraction=0.4)
    seen: dict[str, set[str]] = {}
    for split in ("train", "validation"):
        for row in read_jsonl(version, split):
            assert row["split"] == split
            seen.setdefault(row["prompt"][0]["content"], set()).add(split)
    assert len(seen) == 16 and all(len(splits) == 1 for splits in seen.values())
    assert {"train", "validation"} == set().union(*seen.values())
    for prompt in Prompt.objects.filter(project=project):
        assert seen[prompt.messages[0]["content"]] == {split_of(prompt.content_hash, 0.4)}
    assert sum(version.row_counts.values()) == 16 * 2 * 2


def test_rerun_on_unchanged_data_is_byte_identical(annotator, other_annotator, researcher, django_capture_on_commit_callbacks):
    project = make_project(annotator, other_annotator, researcher, slug="hs")
    many_prompts(project, (annotator, other_annotator), 6)
    first = export(project, researcher, django_capture_on_commit_callbacks, validation_fraction=0.3)
    second = export(project, researcher, django_capture_on_commit_callbacks, validation_fraction=0.3)

    def digests(version):
        return {entry["path"].replace(version.zip_name, "dataset.zip"): entry["sha256"] for entry in version.files}

    assert (first.version, second.version) == (1, 2)
    assert digests(first) == digests(second)
    assert {"README.md", "dataset.zip", "jsonl/train.jsonl.gz", "parquet/train.parquet", "hf/dataset_dict.json"} <= set(digests(first))
    assert first.row_counts == second.row_counts and sum(first.row_counts.values()) == 24


def test_filters_select_annotators_rounds_and_dates(judged, annotator, other_annotator, researcher,
                                                    django_capture_on_commit_callbacks):
    project, items = judged
    otto_only = export(project, researcher, django_capture_on_commit_callbacks, filters={"annotators": ["otto"]})
    assert [row["annotator"] for row in read_jsonl(otto_only, "train")] == [pseudonym(project, other_annotator)]
    round_two = export(project, researcher, django_capture_on_commit_callbacks, filters={"rounds": [2]})
    assert [row["item_id"] for row in read_jsonl(round_two, "train")] == [items["pair"].pk]
    first_day = export(project, researcher, django_capture_on_commit_callbacks, filters={"date_to": T0.date().isoformat()})
    assert [row["annotator"] for row in read_jsonl(first_day, "train")] == [pseudonym(project, annotator)] * 2
    honest = export(project, researcher, django_capture_on_commit_callbacks, filters={"model_names": ["honest"]})
    assert [row["item_id"] for row in read_jsonl(honest, "train")] == [items["pair"].pk]
    nothing = export(project, researcher, django_capture_on_commit_callbacks, filters={"annotators": ["nobody"]})
    assert nothing.row_counts == {"train": 0, "validation": 0}
    card = read_stored(nothing, "README.md").decode()
    assert "This dataset is empty" in card and "- no judgements" in card


def test_projects_without_the_hindsight_task_type_are_refused(project, researcher, client_for):
    response = client_for(researcher).post("/api/projects/demo/datasets/", {"format": "hindsight"}, format="json")
    assert response.status_code == 400
    assert "project demo does not have the hindsight task type" in response.json()["message"]
    assert DatasetVersion.objects.count() == 0


def test_hindsight_is_offered_by_the_api_form_and_command(judged, researcher, client_for, tmp_path, capsys,
                                                          django_capture_on_commit_callbacks):
    assert "hindsight" in DatasetFormat.values
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(researcher).post("/api/projects/hs/datasets/",
                                              {"format": "hindsight", "policy": ALL_TRAIN}, format="json")
    assert created.status_code == 201, created.content
    assert DatasetVersion.objects.get().row_counts == {"train": 3, "validation": 0}
    page = Client()
    page.force_login(researcher)
    assert b'value="hindsight"' in page.get("/projects/hs/datasets/").content
    call_command("export_dataset", "--project", "hs", "--format", "hindsight", "--out", str(tmp_path),
                 "--containers", "jsonl", "--validation-fraction", "0")
    assert "hs v2 (hindsight)" in capsys.readouterr().out
    with open(tmp_path / "jsonl" / "train.jsonl.gz", "rb") as handle:
        assert handle.read(2) == b"\x1f\x8b"
