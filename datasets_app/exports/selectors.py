"""Reads of the datasets app: the export's querysets (grouping.ITEM_FIELDS / RESPONSE_FIELDS columns, JSON
columns as text, in a fixed order, so the same data always comes out in the same order), which
`record_batches` streams as Arrow record batches, and the dataset versions the pages list."""
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, F, Field, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat
from django.shortcuts import get_object_or_404

from annotation.models import PEOPLE_SOURCES, Annotation, AnnotationSource, Assignment, Item, Project
from datasets_app.exports.builders.grouping import ITEM_FIELDS, RESPONSE_FIELDS, score_column
from datasets_app.exports.builders.hindsight import PromptKey
from datasets_app.exports.builders.policy import JUDGE_EXCLUDE, JUDGE_FILL
from datasets_app.exports.builders.stats import MODEL_PREFIX
from datasets_app.models import DatasetVersion
from quality.models import Adjudication, ReviewStatus
from quality.selectors import excluded_from_labels


def _labelled_by_people() -> Exists:
    """The annotation's item has a standing label of a person (platform, imported or adjudicated)."""
    people = Annotation.objects.filter(item_id=OuterRef("item_id"), source__in=PEOPLE_SOURCES).exclude(excluded_from_labels())
    return Exists(people)


def export_annotations(*, project_ids: list[int], filters: dict[str, Any], judge_labels: str = JUDGE_EXCLUDE) -> QuerySet[Annotation]:
    """The annotations an export definition selects. Gold items never leave the platform; annotations a
    reviewer rejected or replaced by a correction never do either; `review: "accepted"` keeps only what a
    reviewer accepted (corrections included) and adjudicated labels; `exclude_annotators` (usernames)
    leaves out everything those annotators labelled. Model judges' labels (source MODEL) are left out,
    unless `judge_labels` is "fill": then they label the items no person has labelled (RLAIF), and only those."""
    annotations = Annotation.objects.filter(item__project_id__in=project_ids, item__is_gold=False).exclude(excluded_from_labels())
    if judge_labels == JUDGE_FILL:
        annotations = annotations.exclude(Q(source=AnnotationSource.MODEL) & _labelled_by_people())
    else:
        annotations = annotations.exclude(source=AnnotationSource.MODEL)
    if filters.get("review") == "accepted":
        # (a model judge's fill labels, if asked for, have no reviewer: they stay)
        annotations = annotations.filter(
            Q(review__status=ReviewStatus.ACCEPTED) | Q(source__in=[AnnotationSource.ADJUDICATED, AnnotationSource.MODEL])
        )
    if filters.get("date_from"):
        annotations = annotations.filter(created_at__date__gte=date.fromisoformat(filters["date_from"]))
    if filters.get("date_to"):
        annotations = annotations.filter(created_at__date__lte=date.fromisoformat(filters["date_to"]))
    if filters.get("annotators"):
        annotations = annotations.filter(annotator__username__in=filters["annotators"])
    if filters.get("exclude_annotators"):
        annotations = annotations.exclude(annotator__username__in=filters["exclude_annotators"])
    if filters.get("rounds"):
        annotations = annotations.filter(item__round__in=filters["rounds"])
    if filters.get("model_names"):
        names = filters["model_names"]
        annotations = annotations.filter(Q(item__response_1__model_name__in=names) | Q(item__response_2__model_name__in=names))
    if not filters.get("include_imported", True):
        annotations = annotations.exclude(source=AnnotationSource.IMPORTED)
    return annotations


def _declared_split() -> KeyTextTransform:
    """The split an imported prompt came with (its metadata's "split"), as text; NULL when absent."""
    return KeyTextTransform("split", "item__prompt__metadata")


def _as_text(json_field: str) -> Cast:
    return Cast(json_field, output_field=TextField())


class _ObjectMember(Func):
    """`column -> 'key' … ->> 'last key'`: a member of nested JSON objects, as text (a nested object as
    its JSON), or cast to an integer when `output_field` is an IntegerField (attribute scores, which are
    validated integers under identifier names). KeyTextTransform reads the slot keys "1" and "2" as
    array indices, so it cannot be used for attribute_scores."""

    arity = 1

    def __init__(self, column: str, *keys: str, output_field: Field | None = None) -> None:
        super().__init__(F(column), output_field=output_field or TextField())
        self.keys = keys

    def as_sql(self, compiler, connection, **extra_context: Any) -> tuple[str, list[Any]]:  # noqa: ANN001 (PostgreSQL)
        sql, params = compiler.compile(self.source_expressions[0])
        path = "".join(" -> (%s)::text" for _ in self.keys[:-1]) + " ->> (%s)::text"
        member = f"({sql}{path})"
        if isinstance(self.output_field, IntegerField):
            member = f"{member}::integer"
        return member, [*params, *self.keys]

    def as_sqlite(self, compiler, connection, **extra_context: Any) -> tuple[str, list[Any]]:  # noqa: ANN001
        sql, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({sql}, %s)", [*params, "$" + "".join(f'."{key}"' for key in self.keys)]


def _swapped() -> Subquery:
    return Subquery(
        Assignment.objects.filter(item_id=OuterRef("item_id"), annotator_id=OuterRef("annotator_id")).values("swapped")[:1]
    )


def _source() -> Case:
    """The annotation's source; a model judge's label reads "model:<judge>" so that rows and the card say
    which judge gave it (builders.stats.judge_of)."""
    return Case(When(source=AnnotationSource.MODEL, then=Concat(Value(MODEL_PREFIX), F("judge"))), default=F("source"),
                output_field=TextField())


def _columns(query: QuerySet, names: tuple[str, ...], sources: dict[str, Any]) -> QuerySet:
    """`query`'s values in the order of `names` (grouping's field names), each from `sources[name]`
    (a field path or an expression); positional tuples keep the order of the alias names."""
    aliases = {f"x_{name}": sources[name] for name in names}
    return query.annotate(**{a: F(v) if isinstance(v, str) else v for a, v in aliases.items()}).values_list(*aliases)


def item_queryset(annotations: QuerySet[Annotation], *, pairs_only: bool, score_attributes: Sequence[str] = ()) -> QuerySet:
    """grouping.ITEM_FIELDS, then one integer column per response slot and score attribute (named as the
    individual format names them, "response_1_helpfulness"), ordered by item then annotation id."""
    if pairs_only:
        annotations = annotations.filter(item__response_2__isnull=False)
    # An adjudicated item's label is the adjudicator's: its other judgements are left out.
    annotations = annotations.exclude(
        Q(Exists(Adjudication.objects.filter(item_id=OuterRef("item_id")))) & ~Q(source=AnnotationSource.ADJUDICATED)
    )
    sources = {
        "item_id": "item_id", "annotation_id": "id", "annotator_id": "annotator_id", "source": _source(),
        "strength": "preference_strength", "justification": "justification", "neither_acceptable": "neither_acceptable",
        "swapped": _swapped(), "messages_json": _as_text("item__prompt__messages"),
        "content_hash": "item__prompt__content_hash", "declared_split": _declared_split(),
        "response_1": "item__response_1__text", "response_2": "item__response_2__text",
        "model_name_1": "item__response_1__model_name", "model_name_2": "item__response_2__model_name",
        "round": "item__round",
    }
    scores = {score_column(slot, name): _ObjectMember("attribute_scores", slot, name, output_field=IntegerField())
              for slot in ("1", "2") for name in score_attributes}
    return _columns(annotations.order_by("item_id", "id"), (*ITEM_FIELDS, *scores), {**sources, **scores})


def slot_queryset(annotations: QuerySet[Annotation], slot: str, score_attributes: Sequence[str] = ()) -> QuerySet:
    """grouping.RESPONSE_FIELDS of the response in one slot of each annotated item (unordered), then an
    integer column per score attribute of that slot (named by frames.score_column(…, name) with slot "")."""
    if slot == "2":
        annotations = annotations.filter(item__response_2__isnull=False)
    sources = {
        "prompt_id": "item__prompt_id", "response_id": f"item__response_{slot}_id", "annotation_id": "id",
        "slot": Value(int(slot), output_field=IntegerField()), "annotator_id": "annotator_id", "source": _source(),
        "scores_json": _ObjectMember("attribute_scores", slot), "messages_json": _as_text("item__prompt__messages"),
        "content_hash": "item__prompt__content_hash", "declared_split": _declared_split(),
        "response": f"item__response_{slot}__text", "model_name": f"item__response_{slot}__model_name",
        "round": "item__round",
    }
    scores = {score_column("", name): _ObjectMember("attribute_scores", slot, name, output_field=IntegerField()) for name in score_attributes}
    return _columns(annotations.order_by(), (*RESPONSE_FIELDS, *scores), {**sources, **scores})


def response_queryset(annotations: QuerySet[Annotation], score_attributes: Sequence[str] = ()) -> QuerySet:
    """Both response slots of every item in one query (UNION ALL), ordered by prompt, response,
    annotation id and slot, so a response shown in several items is rated once."""
    first, second = slot_queryset(annotations, "1", score_attributes), slot_queryset(annotations, "2", score_attributes)
    return first.union(second, all=True).order_by("x_prompt_id", "x_response_id", "x_annotation_id", "x_slot")


def hindsight_item_keys(*, item_ids: list[int]) -> dict[int, PromptKey]:
    """Each item's prompt content hash, declared split (imported prompts) and gold flag, by item id."""
    rows = Item.objects.filter(pk__in=item_ids).values_list("pk", "prompt__content_hash", "prompt__metadata", "is_gold")
    return {
        pk: PromptKey(content_hash, metadata.get("split") if isinstance(metadata, dict) else None, is_gold)
        for pk, content_hash, metadata, is_gold in rows
    }


def user_ids_by_username(*, usernames: list[str]) -> dict[str, int]:
    return dict(get_user_model().objects.filter(username__in=usernames).values_list("username", "pk"))


def dataset_versions_of(*, project: Project) -> QuerySet[DatasetVersion]:
    return DatasetVersion.objects.filter(project=project).select_related("created_by").order_by("-version")


def dataset_version_of(*, project: Project, version: int) -> DatasetVersion:
    return get_object_or_404(DatasetVersion.objects.select_related("project", "created_by"), project=project, version=version)


def dataset_file_entry(*, dataset_version: DatasetVersion, path: str | None) -> dict[str, Any] | None:
    """The stored file entry of a ready version (its zip when `path` is None); None when there is no such file."""
    wanted = path or dataset_version.zip_name
    return next((entry for entry in dataset_version.files if entry["path"] == wanted), None)
