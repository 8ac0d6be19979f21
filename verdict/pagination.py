"""The one pagination of every API list."""
from collections.abc import Callable

from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=` pages of `PAGE_SIZE` (100) rows, at most `max_limit`: a larger limit, however
    large, is this page size instead of an out-of-range database error.

    A view whose list can be long defines `list_count()` returning the number of rows from a maintained
    counter; the page's `count` is then that number instead of a `COUNT(*)` over every row."""

    max_limit = 1000

    def paginate_queryset(self, queryset, request, view=None):  # noqa: ANN001, ANN201
        self._list_count: Callable[[], int] | None = getattr(view, "list_count", None)
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset) -> int:  # noqa: ANN001
        return self._list_count() if self._list_count is not None else super().get_count(queryset)
