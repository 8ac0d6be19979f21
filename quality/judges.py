"""Each model judge's agreement with the people, by how strongly the people preferred one response,
computed by the background stats refresh (registered in `QualityConfig.ready`) and stored in
`ProjectStats.payload["judges"]`; requests only read it.

For every non-gold pair a judge labelled (annotation source MODEL, named by `judge`) that people also
labelled (standing platform, imported or adjudicated judgements; an adjudicated item counts its
adjudicator's label only):

- the human majority side is the single most common side (response 1, tie, response 2) of those
  judgements; an item whose sides tie for most common is left out (`no_majority`);
- the human strength is the mean of the judgements on that side, rounded half away from zero; |strength|
  1, 2 and 3 are the buckets (a majority for "tie" is the bucket 0);
- the judge agrees when its own label's side is the majority side.

Each bucket and the total carry the count, the agreeing count, the share and its 95 % Wilson interval
(`verdict_ml.stats.wilson_interval`)."""
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain
from typing import Any

from django.db.models import Count, Exists, OuterRef

from annotation.models import PEOPLE_SOURCES, Annotation, AnnotationSource, Project
from quality.models import Adjudication
from quality.selectors import excluded_from_labels
from verdict_ml.stats import wilson_interval

CHUNK_SIZE = 2000
BUCKETS = ("0", "1", "2", "3")


def _side(strength: int) -> int:
    return (strength > 0) - (strength < 0)


def human_consensus(judgements: Iterable[int]) -> tuple[int, int] | None:
    """(majority side, |rounded mean strength on that side|) of one item's human strengths; None when no
    single side is most common."""
    strengths = list(judgements)
    ranked = Counter(_side(s) for s in strengths).most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    side = ranked[0][0]
    on_side = [s for s in strengths if _side(s) == side]
    mean = sum(on_side) / len(on_side)
    return side, int(math.floor(abs(mean) + 0.5))


def agreement_figures(rows: Iterable[tuple[str, int, int, int]]) -> dict[str, Any]:
    """(judge, human side, |human strength|, judge strength) per judged item → the judge's figures."""
    tallies: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for judge, side, magnitude, judge_strength in rows:
        agree = int(_side(judge_strength) == side)
        for key in (str(magnitude), "all"):
            tallies[judge][key][0] += agree
            tallies[judge][key][1] += 1
    return {judge: {key: _figure(*by_key.get(key, (0, 0))) for key in (*BUCKETS, "all")} for judge, by_key in tallies.items()}


def _figure(agreeing: int, n: int) -> dict[str, Any]:
    interval = wilson_interval(agreeing, n)
    return {"n": n, "agreeing": agreeing, "rate": agreeing / n if n else None,
            "low": interval[0] if interval else None, "high": interval[1] if interval else None}


def _people(project: Project) -> Any:
    """Standing judgements of people on the project's non-gold pairs that a model judge labelled; on an
    adjudicated item, the adjudicator's label only."""
    judged = Annotation.objects.filter(item_id=OuterRef("item_id"), source=AnnotationSource.MODEL)
    adjudicated = Exists(Adjudication.objects.filter(item_id=OuterRef("item_id")))
    return (
        Annotation.objects.filter(item__project=project, item__is_gold=False, item__response_2__isnull=False,
                                  source__in=PEOPLE_SOURCES, preference_strength__isnull=False, neither_acceptable=False)
        .filter(Exists(judged)).exclude(excluded_from_labels())
        .exclude(adjudicated & ~Exists(Adjudication.objects.filter(annotation_id=OuterRef("pk"))))
    )


def _consensus_by_item(project: Project) -> tuple[dict[int, tuple[int, int]], int]:
    consensus: dict[int, tuple[int, int]] = {}
    no_majority = 0
    current: list[int] = []
    current_item = None
    rows = _people(project).order_by("item_id", "pk").values_list("item_id", "preference_strength").iterator(chunk_size=CHUNK_SIZE)
    for item_id, strength in chain(rows, [(None, 0)]):  # the sentinel closes the last item
        if item_id != current_item and current_item is not None:
            found = human_consensus(current)
            if found is None:
                no_majority += 1
            else:
                consensus[current_item] = found
            current = []
        current_item = item_id
        current.append(strength)
    return consensus, no_majority


def judge_agreement(*, project: Project, background: bool = True) -> dict[str, Any]:
    """{"judges": [{judge, labels, no_majority, by_strength: {"0".."3", "all": figure}}]} for the payload.
    Only in the background: a first computation in a request leaves it to the next refresh (`judges_pending`)."""
    if not background:
        return {"judges": [], "judges_pending": True}
    consensus, no_majority = _consensus_by_item(project)
    model = Annotation.objects.filter(item__project=project, source=AnnotationSource.MODEL, preference_strength__isnull=False)
    labels = dict(model.values_list("judge").annotate(n=Count("pk")).values_list("judge", "n").order_by())

    def rows() -> Iterable[tuple[str, int, int, int]]:
        labelled = model.values_list("item_id", "judge", "preference_strength").order_by().iterator(chunk_size=CHUNK_SIZE)
        for item_id, judge, strength in labelled:
            if item_id in consensus:
                side, magnitude = consensus[item_id]
                yield judge, side, magnitude, strength

    figures = agreement_figures(rows()) if consensus else {}
    empty = {key: _figure(0, 0) for key in (*BUCKETS, "all")}
    return {"judges": [
        {"judge": judge, "labels": labels[judge], "no_majority_items": no_majority, "by_strength": figures.get(judge, empty)}
        for judge in sorted(labels)
    ]}
