"""The `arena-battles` export format against rows written out by hand: one row per vote on a pair of two
different named models, Chatbot Arena's columns, winners by the stored order, ties and both-bad; pairs
of one model or unnamed responses, gold items and votes with no outcome are left out; the card says so.

The data (strengths canonical: negative = response 1 better):
  B1 "Q1" alpha (ckpt /a) vs beta (ckpt /b): anna −2 → model_a; otto 0 + neither → tie (bothbad)
  B2 "Q2" beta vs alpha: anna +3 → model_b; otto 0 → tie; an imported vote −1 → model_a, judge null
  B3 "Q3" alpha vs beta: anna neither, no strength → tie (bothbad); otto no strength → no outcome (dropped)
  B4 "Q7" beta vs alpha: anna −1, adjudicated +3 → only the adjudicated label: model_b, judge null
  S  "Q4" alpha vs alpha, U "Q5" unnamed vs unnamed, G gold alpha vs beta: never exported.
"""
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from annotation.models import Annotation, AnnotationSource, Prompt
from datasets_app.exports.services import dataset_version_create
from datasets_app.models import AnnotatorPseudonymSalt
from quality.models import Adjudication
from tests.datasets_app.export_builders import annotate, read_jsonl, read_stored
from tests.factories import ItemFactory, PromptFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def battle(project, question, model_1, model_2, **fields):
    prompt = PromptFactory(project=project, messages=[{"role": "user", "content": question}])
    return ItemFactory(
        project=project, prompt=prompt,
        response_1=ResponseFactory(prompt=prompt, text=f"{question} answered by {model_1 or 'someone'}", model_name=model_1,
                                   checkpoint=f"/{model_1}" if model_1 else ""),
        response_2=ResponseFactory(prompt=prompt, text=f"{question} answered by {model_2 or 'someone'} too", model_name=model_2,
                                   checkpoint=f"/{model_2}" if model_2 else ""),
        **fields,
    )


def vote(item, user, minutes, **fields):
    annotation = annotate(item, user, **fields)
    Annotation.objects.filter(pk=annotation.pk).update(created_at=T0 + timedelta(minutes=minutes))
    return annotation


def pseudonym(project, user):
    salt = AnnotatorPseudonymSalt.objects.get(project=project).salt.encode()
    return hmac.new(salt, str(user.pk).encode(), hashlib.sha256).hexdigest()[:16]


@pytest.fixture
def voted(project):
    anna, otto = UserFactory(username="anna", role="annotator"), UserFactory(username="otto", role="annotator")
    b1, b2, b3 = battle(project, "Q1", "alpha", "beta"), battle(project, "Q2", "beta", "alpha"), battle(project, "Q3", "alpha", "beta")
    vote(b1, anna, 1, preference_strength=-2)
    vote(b1, otto, 2, preference_strength=0, neither_acceptable=True)
    vote(b2, anna, 3, preference_strength=3)
    vote(b2, otto, 4, preference_strength=0)
    vote(b2, None, 5, preference_strength=-1)
    vote(b3, anna, 6, neither_acceptable=True)
    vote(b3, otto, 7)
    b4 = battle(project, "Q7", "beta", "alpha")
    vote(b4, anna, 9, preference_strength=-1)
    adjudicated = Annotation.objects.create(item=b4, source=AnnotationSource.ADJUDICATED, preference_strength=3)
    Annotation.objects.filter(pk=adjudicated.pk).update(created_at=T0 + timedelta(minutes=10))
    Adjudication.objects.create(item=b4, adjudicator=otto, annotation=adjudicated)
    for item in (battle(project, "Q4", "alpha", "alpha"), battle(project, "Q5", "", ""),
                 battle(project, "Q6", "alpha", "beta", is_gold=True, gold_strength=-1)):
        vote(item, anna, 8, preference_strength=-1)
    return project, anna, otto, (b1, b2, b3, b4)


def test_rows_match_the_hand_written_ones(voted, researcher, django_capture_on_commit_callbacks):
    project, anna, otto, (b1, b2, b3, b4) = voted
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(project=project, format="arena-battles", created_by=researcher,
                                         policy={"validation_fraction": 0.0})
    version.refresh_from_db()
    assert version.status == "ready", version.error

    def row(item, model_a, model_b, winner, strength, neither, judge, minutes):
        question = item.prompt.messages[0]["content"]
        return {
            "question_id": Prompt.objects.get(pk=item.prompt_id).content_hash, "model_a": model_a, "model_b": model_b,
            "checkpoint_a": f"/{model_a}", "checkpoint_b": f"/{model_b}", "winner": winner, "preference_strength": strength,
            "neither_acceptable": neither, "judge": judge, "tstamp": (T0 + timedelta(minutes=minutes)).timestamp(),
            "prompt": [{"role": "user", "content": question}],
            "response_a": f"{question} answered by {model_a}", "response_b": f"{question} answered by {model_b} too",
        }

    a, o = pseudonym(project, anna), pseudonym(project, otto)
    assert read_jsonl(version, "train") == [
        row(b1, "alpha", "beta", "model_a", -2, False, a, 1),
        row(b1, "alpha", "beta", "tie (bothbad)", 0, True, o, 2),
        row(b2, "beta", "alpha", "model_b", 3, False, a, 3),
        row(b2, "beta", "alpha", "tie", 0, False, o, 4),
        row(b2, "beta", "alpha", "model_a", -1, False, None, 5),
        row(b3, "alpha", "beta", "tie (bothbad)", None, True, a, 6),
        row(b4, "beta", "alpha", "model_b", 3, False, None, 10),
    ]
    assert read_jsonl(version, "validation") == []
    assert version.stats["drops"] == {"no_outcome": 1}
    assert version.stats["labels"]["winner"] == {"model_a": 2, "model_b": 2, "tie": 1, "tie (bothbad)": 2}
    card = read_stored(version, "README.md").decode()
    assert "One row per vote on a pair of responses by two different named models" in card
    assert "`winner`" in card and "- response models: alpha 7, beta 7" in card
