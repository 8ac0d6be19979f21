"""Model judges' labels (source MODEL) never reach an export unless it asks for them, in any format;
with `judge_labels: fill` they label only the items no person labelled, and the card says which judge
gave how many rows (RLAIF).

The data (strengths canonical: negative = response 1 better; response 1 always the good one):
  Q1-people  two annotators −2; the judge says +3 (wrong side)  → people only, whatever the policy
  Q2-judged  nobody; the judge says −3                          → only with fill
  Q3-empty   nobody, no judge                                   → never
"""
import pytest

from annotation.models import Annotation, AnnotationSource
from datasets_app.exports.dataset_rows import split_names
from datasets_app.exports.services import dataset_version_create
from tests.datasets_app.export_builders import annotate, raters, read_jsonl, read_stored
from tests.factories import ItemFactory, PromptFactory, ResponseFactory

pytestmark = pytest.mark.django_db
JUDGE = "judge #7: reward model rm-alpha (#3)"
PAIR_FORMATS = ("helpsteer2-preference", "trl-preference", "individual", "arena-battles", "helpsteer2")


def item(project, question):
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": question}])
    return ItemFactory(project=project, prompt=prompt,
                       response_1=ResponseFactory(prompt=prompt, text=f"good answer to {question}", model_name="alpha"),
                       response_2=ResponseFactory(prompt=prompt, text=f"bad answer to {question}", model_name="beta"))


def judge_label(item, strength):
    return Annotation.objects.create(item=item, annotator=None, source=AnnotationSource.MODEL, judge=JUDGE,
                                     preference_strength=strength)


@pytest.fixture
def judged(project):
    people, judged_item, _ = item(project, "Q1-people"), item(project, "Q2-judged"), item(project, "Q3-empty")
    scores = {"1": {name: 3 for name in project.attribute_names}, "2": {name: 1 for name in project.attribute_names}}
    for user in raters(2):
        annotate(people, user, preference_strength=-2, justification="@Response 1 is better.", attribute_scores=scores)
    judge_label(people, 3)
    judge_label(judged_item, -3)
    return project


def build(project, researcher, capture, fmt, **policy):
    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=researcher,
                                         policy={"validation_fraction": 0.0, **policy})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def all_rows(version):
    names = ["preference"] if version.format == "helpsteer2-preference" else split_names(version.format)
    return [row for name in names for row in read_jsonl(version, name)]


@pytest.mark.parametrize("fmt", PAIR_FORMATS)
def test_judge_labels_never_leak_into_a_human_export(judged, researcher, django_capture_on_commit_callbacks, fmt):
    """Guards: a model label exported as a person's (the Q2 row, or the judge's +3 on Q1)."""
    version = build(judged, researcher, django_capture_on_commit_callbacks, fmt)

    text = repr(all_rows(version))
    assert "Q2-judged" not in text and "Q3-empty" not in text
    assert "model" not in version.stats["annotations"] and not any(k.startswith("model:") for k in version.stats["annotations"])
    assert version.stats["judged_items"] == {}
    card = read_stored(version, "README.md").decode()
    assert "RLAIF" not in card and JUDGE not in card


def test_the_judge_does_not_move_the_peoples_label(judged, researcher, django_capture_on_commit_callbacks):
    version = build(judged, researcher, django_capture_on_commit_callbacks, "individual")
    rows = all_rows(version)
    assert sorted(row["preference_strength"] for row in rows) == [-2, -2]


@pytest.mark.parametrize("fmt", ["trl-preference", "helpsteer2-preference"])
def test_fill_labels_only_the_unlabelled_items_and_the_card_says_by_whom(judged, researcher, django_capture_on_commit_callbacks, fmt):
    """Guards: a judge label mixed into an item people labelled, or RLAIF rows the card does not mark."""
    version = build(judged, researcher, django_capture_on_commit_callbacks, fmt, judge_labels="fill")

    rows = all_rows(version)
    text = repr(rows)
    assert "Q1-people" in text and "Q2-judged" in text and "Q3-empty" not in text
    assert len(rows) == 2
    if fmt == "trl-preference":
        for row in rows:
            assert "good answer" in repr(row["chosen"]), "people's −2 on Q1 and the judge's −3 on Q2 both prefer response 1"
    else:
        by_prompt = {("Q1" if "Q1-people" in row["prompt"] else "Q2"): row["preference_strength"] for row in rows}
        assert by_prompt == {"Q1": -2, "Q2": -3}
    assert version.stats["judged_items"] == {JUDGE: 1}
    assert version.stats["annotations"] == {"human": 2, f"model:{JUDGE}": 1}
    card = read_stored(version, "README.md").decode()
    assert "## AI feedback (RLAIF)" in card and "- rlaif" in card
    assert f"| {JUDGE} | 1 |" in card


def test_fill_in_the_individual_format_names_the_judge_per_row(judged, researcher, django_capture_on_commit_callbacks):
    version = build(judged, researcher, django_capture_on_commit_callbacks, "individual", judge_labels="fill")

    rows = all_rows(version)
    judged_rows = [row for row in rows if "Q2-judged" in repr(row)]
    assert [(row["preference_strength"], row["annotator"]) for row in judged_rows] == [(-3, None)]
    assert sorted(row["preference_strength"] for row in rows if "Q1-people" in repr(row)) == [-2, -2]


def test_an_unknown_judge_policy_is_refused(judged, researcher):
    from django.core.exceptions import ValidationError

    with pytest.raises((ValidationError, ValueError)):
        dataset_version_create(project=judged, format="trl-preference", created_by=researcher, policy={"judge_labels": "mix"})
