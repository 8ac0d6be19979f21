"""The one pagination of every API list: pages whose cost does not grow with the list.

- `count` never comes from a `COUNT(*)` over the whole list: a view with a maintained counter defines
  `list_count()`; any other list is counted up to `COUNT_CAP` rows (`SELECT COUNT(*) FROM (… LIMIT
  COUNT_CAP + 1)`), and a longer list reports `COUNT_CAP` (`count` is then "at least").
- Whether there is a next page is read from the page itself (one row more than `limit` is fetched),
  never from `count`.
- The `next` / `previous` links carry a keyset cursor (`after=` / `before=`, the boundary row's
  ordering values), so walking a list reads `limit + 1` rows per page by index, at any depth, with no
  OFFSET. They also carry `offset=`, the page's position, for clients that show it; with a cursor the
  offset is not used to read.
- A bare `?offset=` still works up to `MAX_OFFSET` (an OFFSET is a scan of every row skipped); beyond
  the end of the list it is an empty page, and a deeper offset into a longer list is a 400 that says
  to follow the links.

The view gives its keyset as `keyset_ordering` (unique once the trailing `id` is included, e.g.
`("-created_at", "-id")`); the queryset is ordered by it.
"""
import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Lookup, Model, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_CAP = 10_000
MAX_OFFSET = 10_000


def _encode(values: Sequence[Any]) -> str:
    plain = [value.isoformat() if hasattr(value, "isoformat") else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(token: str, model: type[Model], fields: Sequence[str]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError("wrong length")
        return [model._meta.get_field(name).to_python(value) for name, value in zip(fields, values)]
    except (ValueError, TypeError, DjangoValidationError) as error:  # base64, JSON and to_python's errors
        raise ValidationError({"cursor": "Invalid cursor: use the next/previous links as given."}) from error


def _beyond(ordering: Sequence[str], values: Sequence[Any], *, forward: bool) -> Q | Lookup:
    """Rows after (forward) or before the row with these ordering values. With one direction for every
    field it is a row comparison, `(a, b) > (va, vb)`, which PostgreSQL reads as one index range;
    otherwise a > va OR (a = va AND b > vb) (ascending fields; < for descending ones)."""
    names = [name.lstrip("-") for name in ordering]
    ascending = [not name.startswith("-") for name in ordering]
    if len(set(ascending)) == 1:
        comparison = TupleGreaterThan if ascending[0] == forward else TupleLessThan
        return comparison(Tuple(*(F(name) for name in names)), tuple(values))
    condition = Q()
    for depth, name in enumerate(names):
        lookup = "gt" if ascending[depth] == forward else "lt"
        condition |= Q(**{names[i]: values[i] for i in range(depth)}, **{f"{name}__{lookup}": values[depth]})
    return condition


def _reverse(ordering: Sequence[str]) -> list[str]:
    return [name[1:] if name.startswith("-") else f"-{name}" for name in ordering]


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=` rows (default `PAGE_SIZE`, 100; at most `max_limit`: a larger limit, however large, is
    this cap instead of an out-of-range database error) from `?offset=` or a keyset cursor."""

    max_limit = 1000
    after_query_param = "after"
    before_query_param = "before"

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        self.ordering: list[str] = list(getattr(view, "keyset_ordering", None) or ("id",))
        list_count: Callable[[], int] | None = getattr(view, "list_count", None)
        self.count = list_count() if list_count is not None else queryset.order_by()[: COUNT_CAP + 1].count()
        self.count_capped = list_count is None and self.count > COUNT_CAP
        self.count = min(self.count, COUNT_CAP) if list_count is None else self.count
        queryset = queryset.order_by(*self.ordering)
        after, before = request.query_params.get(self.after_query_param), request.query_params.get(self.before_query_param)
        model = queryset.model
        fields = [name.lstrip("-") for name in self.ordering]
        if after:
            rows = list(queryset.filter(_beyond(self.ordering, _decode(after, model, fields), forward=True))[: self.limit + 1])
            self.has_next, self.has_previous = len(rows) > self.limit, True
            rows = rows[: self.limit]
        elif before:
            backwards = queryset.filter(_beyond(self.ordering, _decode(before, model, fields), forward=False))
            rows = list(backwards.order_by(*_reverse(self.ordering))[: self.limit + 1])
            self.has_next, self.has_previous = True, len(rows) > self.limit
            rows = rows[: self.limit][::-1]
            self.offset = self.offset if self.has_previous else 0
        else:
            if self.offset > self.count and not self.count_capped:
                rows = []  # past the end: no query (and no out-of-range OFFSET)
            elif self.offset > MAX_OFFSET:
                raise ValidationError({"offset": f"Offsets above {MAX_OFFSET} are not served: follow the page's next links."})
            else:
                rows = list(queryset[self.offset : self.offset + self.limit + 1])
            self.has_next, self.has_previous = len(rows) > self.limit, self.offset > 0
            rows = rows[: self.limit]
        self.rows = rows
        return rows

    def _values(self, row: Model) -> list[Any]:
        return [getattr(row, name.lstrip("-")) for name in self.ordering]

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.rows:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        url = replace_query_param(url, self.offset_query_param, self.offset + self.limit)
        url = remove_query_param(url, self.before_query_param)
        return replace_query_param(url, self.after_query_param, _encode(self._values(self.rows[-1])))

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.rows:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        url = remove_query_param(url, self.after_query_param)
        if self.offset - self.limit <= 0:  # the first page: no cursor needed
            return remove_query_param(remove_query_param(url, self.before_query_param), self.offset_query_param)
        url = replace_query_param(url, self.offset_query_param, self.offset - self.limit)
        return replace_query_param(url, self.before_query_param, _encode(self._values(self.rows[0])))

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        cursor = "Keyset cursor from a page's {} link (read by index, no OFFSET); opaque."
        return [*super().get_schema_operation_parameters(view)] + [
            {"name": name, "required": False, "in": "query", "description": cursor.format(link), "schema": {"type": "string"}}
            for name, link in ((self.after_query_param, "next"), (self.before_query_param, "previous"))
        ]

    def get_html_context(self) -> dict[str, Any]:
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link()}
