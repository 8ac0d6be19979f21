"""Paged, searchable, filterable lists for the server-rendered pages (projects, imports, dataset versions,
jobs, reward models, rounds, annotations), rendered with `templates/_list_controls.html` and
`templates/_pagination.html`.

Pages are read with LIMIT/OFFSET on an ordering made total with the primary key, fetching one row more
than a page to know whether a next page exists. The count shown is capped: at most COUNT_CAP + 1 rows are
counted (`SELECT COUNT(*) FROM (… LIMIT 1001)`), so no page counts a table of millions; past the cap the
page says "1,000+". Search is a case-insensitive substring match on a few named columns (a number also
matches the primary key); filters are exact matches on a choice (an unknown value is ignored) or on a
typed text (a username).
"""
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, QueryDict

PER_PAGE = 25
COUNT_CAP = 1000
MAX_PAGE = 10_000  # bounds the OFFSET a crafted URL can ask for
MAX_QUERY = 200


@dataclass(frozen=True)
class ListFilter:
    """A filter of a list page: `name` is the query parameter, `lookup` the queryset field it matches
    exactly; with `choices` it is a select (values outside the choices are ignored), else a text box."""

    name: str
    label: str
    lookup: str
    choices: Sequence[tuple[str, str]] | None = None


@dataclass
class ListPage:
    items: list[Any]
    number: int
    per_page: int
    has_next: bool
    count: int
    count_capped: bool
    q: str = ""
    search_label: str = ""
    filters: list[dict[str, Any]] = field(default_factory=list)
    params: QueryDict = field(default_factory=QueryDict)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    @property
    def count_text(self) -> str:
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"

    @property
    def is_filtered(self) -> bool:
        return bool(self.q) or any(entry["selected"] for entry in self.filters)

    @property
    def paginated(self) -> bool:
        return self.has_previous or self.has_next

    def _query(self, number: int) -> str:
        params = self.params.copy()
        if number > 1:
            params["page"] = str(number)
        return params.urlencode()

    @property
    def previous_query(self) -> str:
        return self._query(self.number - 1)

    @property
    def next_query(self) -> str:
        return self._query(self.number + 1)


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def _total_order(queryset: QuerySet) -> QuerySet:
    """The list's ordering with the primary key last, so OFFSET pages never repeat or skip a row."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    if not any(term.lstrip("-") in ("pk", "id") for term in ordering):
        ordering.append("-pk")
    return queryset.order_by(*ordering)


def list_page(
    request: HttpRequest,
    queryset: QuerySet[Model],
    *,
    search: Sequence[str] = (),
    search_label: str = "Search",
    filters: Sequence[ListFilter] = (),
    per_page: int = PER_PAGE,
) -> ListPage:
    """The page of `queryset` that the request's `q`, filters and `page` ask for."""
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    kept = QueryDict(mutable=True)
    if search and query:
        condition = Q()
        for name in search:
            condition |= Q(**{f"{name}__icontains": query})
        number_text = query.lstrip("#")
        if number_text.isdigit() and len(number_text) < 18:
            condition |= Q(pk=int(number_text))
        queryset = queryset.filter(condition)
        kept["q"] = query
    shown_filters = []
    for spec in filters:
        value = (request.GET.get(spec.name) or "").strip()[:MAX_QUERY]
        if spec.choices is not None and value not in {str(choice) for choice, _label in spec.choices}:
            value = ""
        if value:
            queryset = queryset.filter(**{spec.lookup: value})
            kept[spec.name] = value
        shown_filters.append({"name": spec.name, "label": spec.label, "choices": spec.choices, "selected": value})
    number = _page_number(request.GET.get("page"))
    ordered = _total_order(queryset)
    offset = (number - 1) * per_page
    rows = list(ordered[offset : offset + per_page + 1])
    count = ordered.order_by()[: COUNT_CAP + 1].count()
    return ListPage(
        items=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > per_page,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        q=query,
        search_label=search_label if search else "",
        filters=shown_filters,
        params=kept,
    )
