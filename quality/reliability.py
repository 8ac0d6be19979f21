"""Per-annotator reliability and bias, computed by the background stats refresh (registered with
`annotation.stats.project_stats_extend` in `QualityConfig.ready`) and stored in `ProjectStats.payload`:
requests only read them.

- agreement with the item consensus: the share of an annotator's judgements on the side (response 1,
  response 2 or tie) that most of the *other* human judgements of the item take (leave-one-out; items
  where the others have no single most common side are not counted);
- reliability: Dawid–Skene (crowd-kit) over the side labels of the project's non-gold pairs; an
  annotator's figure is their expected accuracy, Σ_c prior(c) · P(they answer c | the truth is c);
- position bias: the share of their non-tie preferences that go to the response shown first, with a
  two-sided binomial test against 50 %;
- strength-scale use: how many of their preferences have each |strength| (0–3);
- straight-lining: the share of the responses they rated on two or more Likert attributes with the same
  score for every attribute, and the share that repeat their most common score vector;
- too fast: the share of their timed annotations under the project's `fast_seconds`.
"""
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Abs

from annotation.models import Annotation, AnnotationSource, Assignment, Project
from quality.selectors import quality_settings_of

CHUNK_SIZE = 2000
SIDE_LABELS = {-1: "response_1", 0: "tie", 1: "response_2"}


def side(strength: int) -> int:
    return (strength > 0) - (strength < 0)


# ---------------------------------------------------------------- pure figures


def position_bias(first: int, decided: int) -> dict[str, Any]:
    """`first` of `decided` non-tie preferences went to the response shown first."""
    if not decided:
        return {"first": 0, "decided": 0, "rate": None, "p_value": None}
    from scipy.stats import binomtest  # the refresh's, kept out of the web process's imports

    return {"first": first, "decided": decided, "rate": first / decided, "p_value": float(binomtest(first, decided, 0.5).pvalue)}


def consensus_counts(items: Iterable[Sequence[tuple[Any, int]]]) -> dict[Any, list[int]]:
    """{annotator: [judgements on the others' majority side, judgements counted]} over items, each a list of
    (annotator, side). The others' majority is their single most common side; a tie between sides (or no
    other judgement) leaves the judgement uncounted."""
    counts: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for judgements in items:
        sides = Counter(s for _, s in judgements)
        for annotator, own in judgements:
            others = sides.copy()
            others[own] -= 1
            ranked = [(n, s) for s, n in others.most_common() if n > 0]
            if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
                continue
            counts[annotator][0] += ranked[0][1] == own
            counts[annotator][1] += 1
    return counts


class LikertUse:
    """One annotator's Likert ratings: how many responses rated on two or more attributes, how many of those
    with one score for every attribute, and how often each score vector came back."""

    def __init__(self) -> None:
        self.rated = 0
        self.flat = 0
        self.vectors: Counter = Counter()

    def add(self, scores: dict[str, int]) -> None:
        if len(scores) < 2:
            return
        self.rated += 1
        self.flat += len(set(scores.values())) == 1
        self.vectors[tuple(sorted(scores.items()))] += 1

    def figures(self) -> dict[str, Any]:
        if not self.rated:
            return {"likert_rated": 0, "straight_lining": None, "repeated_vector": None}
        return {
            "likert_rated": self.rated,
            "straight_lining": self.flat / self.rated,
            "repeated_vector": self.vectors.most_common(1)[0][1] / self.rated,
        }


def dawid_skene_reliability(labels: Sequence[tuple[Any, Any, str]], n_iter: int = 100) -> dict[Any, float]:
    """{worker: expected accuracy} under Dawid–Skene (crowd-kit) from (task, worker, label) rows; empty when
    no task has two workers (nothing to learn from). crowd-kit (pandas, scikit-learn) is imported here, in
    the background refresh only, never in a web request."""
    per_task = Counter(task for task, _, _ in labels)
    if not any(n >= 2 for n in per_task.values()):
        return {}
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    data = pd.DataFrame(labels, columns=["task", "worker", "label"])
    with warnings.catch_warnings():  # crowd-kit 1.4.2 still passes pandas 3's deprecated `inplace=`/`copy=`
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        model = DawidSkene(n_iter=n_iter).fit(data)
    errors, priors = model.errors_, model.priors_
    reliability = {}
    for worker in data["worker"].unique():
        own = errors.loc[worker]
        reliability[worker] = float(sum(prior * (own.at[label, label] if label in own.index else 0.0) for label, prior in priors.items()))
    return reliability


# ---------------------------------------------------------------- reads


def _human(project: Project) -> Any:
    return Annotation.objects.filter(item__project=project, source=AnnotationSource.HUMAN, annotator__isnull=False)


def _shown_swapped() -> Subquery:
    return Subquery(Assignment.objects.filter(item_id=OuterRef("item_id"), annotator_id=OuterRef("annotator_id")).values("swapped")[:1])


def _position_counts(project: Project) -> dict[int, tuple[int, int]]:
    """{annotator id: (preferences for the response shown first, non-tie preferences)} from the display
    order recorded on each assignment (`swapped`: response 2 was shown first)."""
    rows = (
        _human(project).filter(item__response_2__isnull=False, preference_strength__isnull=False)
        .exclude(preference_strength=0)
        .annotate(shown_swapped=_shown_swapped()).filter(shown_swapped__isnull=False)
        .values("annotator_id")
        .annotate(
            first=Count("pk", filter=Q(preference_strength__lt=0, shown_swapped=False) | Q(preference_strength__gt=0, shown_swapped=True)),
            decided=Count("pk"),
        )
        .values_list("annotator_id", "first", "decided").order_by()
    )
    return {annotator_id: (first, decided) for annotator_id, first, decided in rows}


def _strength_use(project: Project) -> dict[int, dict[str, int]]:
    rows = (
        _human(project).filter(preference_strength__isnull=False)
        .annotate(magnitude=Abs("preference_strength"))
        .values("annotator_id", "magnitude").annotate(n=Count("pk"))
        .values_list("annotator_id", "magnitude", "n").order_by()
    )
    use: dict[int, dict[str, int]] = defaultdict(lambda: {str(m): 0 for m in range(4)})
    for annotator_id, magnitude, n in rows:
        use[annotator_id][str(magnitude)] = n
    return use


def _fast_counts(project: Project, fast_seconds: float) -> dict[int, tuple[int, int]]:
    rows = (
        _human(project).values("annotator_id")
        .annotate(fast=Count("pk", filter=Q(time_spent_seconds__lt=fast_seconds)), timed=Count("time_spent_seconds"))
        .values_list("annotator_id", "fast", "timed").order_by()
    )
    return {annotator_id: (fast, timed) for annotator_id, fast, timed in rows}


def _likert_use(project: Project) -> dict[int, LikertUse]:
    use: dict[int, LikertUse] = defaultdict(LikertUse)
    rows = _human(project).exclude(attribute_scores={}).values_list("annotator_id", "attribute_scores").iterator(chunk_size=CHUNK_SIZE)
    for annotator_id, scores_by_slot in rows:
        for scores in (scores_by_slot or {}).values():
            use[annotator_id].add(scores)
    return use


def _pair_judgements(project: Project) -> Iterable[list[tuple[int, int, int]]]:
    """The non-gold pairs' human judgements, one list of (item id, annotator id, side) per item, streamed."""
    rows = (
        _human(project).filter(item__is_gold=False, item__response_2__isnull=False, preference_strength__isnull=False)
        .order_by("item_id", "pk").values_list("item_id", "annotator_id", "preference_strength").iterator(chunk_size=CHUNK_SIZE)
    )
    current: list[tuple[int, int, int]] = []
    for item_id, annotator_id, strength in rows:
        if current and current[0][0] != item_id:
            yield current
            current = []
        current.append((item_id, annotator_id, side(strength)))
    if current:
        yield current


def annotator_quality(*, project: Project, background: bool = True) -> dict[str, Any]:
    """The figures above for every human annotator of the project, by username, as the stats refresh
    merges them into the payload's annotator rows. The reliability model runs only when `background`."""
    fast_seconds = quality_settings_of(project=project).fast_seconds
    usernames = dict(_human(project).values_list("annotator_id", "annotator__username").distinct().order_by())
    positions, strengths = _position_counts(project), _strength_use(project)
    fast, likert = _fast_counts(project, fast_seconds), _likert_use(project)
    labels: list[tuple[int, int, str]] = []  # the model's input, kept only for the background refresh

    def items() -> Iterable[list[tuple[int, int]]]:
        for judgements in _pair_judgements(project):
            if background:
                labels.extend((item_id, annotator_id, SIDE_LABELS[s]) for item_id, annotator_id, s in judgements)
            yield [(annotator_id, s) for _, annotator_id, s in judgements]

    consensus = consensus_counts(items())
    reliability = dawid_skene_reliability(labels) if background else {}
    figures = {}
    for annotator_id, username in usernames.items():
        agreeing, counted = consensus.get(annotator_id, (0, 0))
        fast_n, timed = fast.get(annotator_id, (0, 0))
        figures[username] = {
            "consensus_agreement": agreeing / counted if counted else None,
            "consensus_count": counted,
            "reliability": reliability.get(annotator_id),
            "position_bias": position_bias(*positions.get(annotator_id, (0, 0))),
            "strength_use": strengths.get(annotator_id, {str(m): 0 for m in range(4)}),
            "fast_share": fast_n / timed if timed else None,
            "fast_count": fast_n,
            **likert.get(annotator_id, LikertUse()).figures(),
        }
    return {
        "annotators": figures,
        "quality": {
            "fast_seconds": fast_seconds,
            "reliability_model": "Dawid–Skene (crowd-kit) on pairwise side labels",
            "reliability_pending": not background,
        },
    }
