"""Foresight-vs-hindsight gap, regret and hindsight-derived preference pairs against values worked
out by hand, the dashboard that shows them, and the export rows.

The data (canonical ratings; pairs: negative = response 1 better):
  single item, prompt P1, r1 (model X, round 1): anna F5 H2 return · otto F4 H1 return
  single item, prompt P1, r2 (model Y, round 1): anna F3 H4 keep   · otto F4 H4 (no answer)
  pair item,   prompt P2, r3 (X) vs r4 (Y):      anna F−2 H+1 return · otto F−1 H+2 (no answer)
By hand:
  r1: F 4.5, H 1.5, gap 3.0, regret 2/2 = 1.0, Goodhart (≥4 → ≤2)
  r2: F 3.5, H 4.0, gap −0.5, regret 0/1 = 0.0
  r3 favour (−strength): F (2+1)/2 = 1.5, H (−1−2)/2 = −1.5, gap 3.0, regret 1/1 (anna preferred r3), Goodhart
  r4 favour (+strength): F −1.5, H 1.5, gap −3.0, no keep answers
  satisfaction overall: F (5+4+3+4)/4 = 4.0, H (2+1+4+4)/4 = 2.75, gap 1.25, regret 2/3
  satisfaction mean |H − F|: (3+3+1+0)/4 = 1.75; preference: (3+3)/2 = 3.0
  preference overall: F −1.5, H 1.5, gap −3.0, regret 1/1, side flips 2
  pairs (hindsight): P2 mean 1.5 → 2: r4 over r3, strength 2; P1 r2 − r1 = 2.5 → 3: r2 over r1, strength 3
  pairs (foresight): P2 mean −1.5 → −2: r3 over r4, strength 2; P1 r1 − r2 = 1.0: r1 over r2, strength 1
"""

import pytest
from django.urls import reverse

from hindsight.export_rows import COLUMNS, hindsight_rows
from hindsight.models import SimulatedOutcome
from hindsight.selectors import hindsight_dashboard, hindsight_export_groups, hindsight_preference_pairs
from hindsight.stats import round_half_away
from tests.factories import ItemFactory, PromptFactory, ResponseFactory
from tests.hindsight.hindsight_helpers import complete_judgement, make_project

pytestmark = pytest.mark.django_db


def outcome(response, text):
    return SimulatedOutcome.objects.create(response=response, version=1, text=text, simulator="template",
                                           template_text="t", template_hash="h")


@pytest.fixture
def rated(annotator, other_annotator, researcher):
    project = make_project(annotator, other_annotator, researcher)
    p1, p2 = PromptFactory(project=project), PromptFactory(project=project)
    r1 = ResponseFactory(prompt=p1, text="r1 flatters", model_name="X", round=1)
    r2 = ResponseFactory(prompt=p1, text="r2 is honest", model_name="Y", round=1)
    r3 = ResponseFactory(prompt=p2, text="r3 flatters", model_name="X", round=1)
    r4 = ResponseFactory(prompt=p2, text="r4 is honest", model_name="Y", round=1)
    for response in (r1, r2, r3, r4):
        outcome(response, f"outcome of {response.text}")
    single_1 = ItemFactory(project=project, prompt=p1, response_1=r1, response_2=None)
    single_2 = ItemFactory(project=project, prompt=p1, response_1=r2, response_2=None)
    pair = ItemFactory(project=project, prompt=p2, response_1=r3, response_2=r4)
    complete_judgement(single_1, annotator, 5, 2, keep=False)
    complete_judgement(single_1, other_annotator, 4, 1, keep=False)
    complete_judgement(single_2, annotator, 3, 4, keep=True)
    complete_judgement(single_2, other_annotator, 4, 4)
    complete_judgement(pair, annotator, -2, 1, keep=False)
    complete_judgement(pair, other_annotator, -1, 2)
    return project, (r1, r2, r3, r4)


def test_gap_statistics_match_the_hand_worked_values(rated):
    project, (r1, r2, r3, r4) = rated
    stats = hindsight_dashboard(project=project)

    rows = [(r["response_id"], r["foresight_mean"], r["hindsight_mean"], r["gap"], r["regret_rate"], r["goodhart"])
            for r in stats["responses"]]
    assert rows == [
        (r1.pk, 4.5, 1.5, 3.0, 1.0, True),
        (r3.pk, 1.5, -1.5, 3.0, 1.0, True),
        (r2.pk, 3.5, 4.0, -0.5, 0.0, False),
        (r4.pk, -1.5, 1.5, -3.0, None, False),
    ]
    satisfaction, preference = stats["overall"]["satisfaction"], stats["overall"]["preference"]
    assert (satisfaction["n"], satisfaction["foresight_mean"], satisfaction["hindsight_mean"], satisfaction["gap"]) == (4, 4.0, 2.75, 1.25)
    assert satisfaction["regret_rate"] == pytest.approx(2 / 3)
    assert (satisfaction["mean_abs_shift"], preference["mean_abs_shift"]) == (1.75, 3.0)
    assert (preference["foresight_mean"], preference["hindsight_mean"], preference["gap"]) == (-1.5, 1.5, -3.0)
    assert (preference["regret_rate"], preference["side_flips"]) == (1.0, 2)
    groups = {(g["scale"], g["model_name"], g["round"]): (g["n"], g["gap"]) for g in stats["groups"]}
    assert groups == {
        ("satisfaction", "X", 1): (2, 3.0),
        ("satisfaction", "Y", 1): (2, -0.5),
        ("preference", "X", 1): (2, 3.0),
        ("preference", "Y", 1): (2, -3.0),
    }
    assert stats["progress"] == {"items": 3, "foresight": 6, "revealed": 6, "complete": 6}


def test_preference_pairs_follow_the_chosen_label_source(rated):
    project, (r1, r2, r3, r4) = rated
    summary = lambda pairs: [(p["chosen"], p["rejected"], p["strength"]) for p in pairs]  # noqa: E731
    assert summary(hindsight_preference_pairs(project=project, label_source="hindsight")) == [
        (r4.text, r3.text, 2),
        (r2.text, r1.text, 3),
    ]
    foresight = hindsight_preference_pairs(project=project, label_source="foresight")
    assert summary(foresight) == [(r3.text, r4.text, 2), (r1.text, r2.text, 1)]
    assert foresight[0]["prompt"] == r3.prompt.messages and foresight[0]["label_source"] == "foresight"


def test_halves_round_away_from_zero():
    assert [round_half_away(v) for v in (-2.5, -1.5, -0.4, 0.5, 1.5, 2.49)] == [-3, -2, 0, 1, 2, 2]


def test_export_rows_carry_prompt_response_outcome_and_both_ratings(rated):
    project, (r1, r2, r3, r4) = rated
    groups = {g.item_id: g for g in hindsight_export_groups(project=project)}
    pair_group = next(g for g in groups.values() if g.response_2 is not None)
    rows = hindsight_rows(pair_group)
    assert [list(row) for row in rows] == [list(COLUMNS)] * 2
    first = rows[0]
    assert (first["kind"], first["response_1"], first["response_2"]) == ("pairwise", r3.text, r4.text)
    assert (first["outcome_1"], first["outcome_2"]) == ("outcome of r3 flatters", "outcome of r4 is honest")
    assert (first["foresight_rating"], first["hindsight_rating"], first["rating_shift"], first["keep"]) == (-2, 1, 3, False)
    assert first["annotator"] == "anna" and first["justification"] == "anna changed their mind"
    assert first["outcome_provenance"]["1"]["simulator"] == "template"
    assert (first["model_name_1"], first["model_name_2"]) == ("X", "Y")


def test_the_dashboard_lists_the_goodhart_responses_first(client, researcher, rated):
    project, (r1, r2, r3, r4) = rated
    client.force_login(researcher)
    page = client.get(reverse("hindsight:dashboard", args=[project.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'data-response="{r1.pk}"') < html.index(f'data-response="{r3.pk}"') < html.index(f'data-response="{r2.pk}"')
    assert html.count('class="hs-goodhart"') == 2
    api = client.get(reverse("api-hindsight-stats", args=[project.slug]))
    assert api.json()["responses"][0]["response_id"] == r1.pk
