"""The one pagination of every API list."""
from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=` pages of `PAGE_SIZE` (100) rows, at most `max_limit`: a larger limit, however
    large, is this page size instead of an out-of-range database error."""

    max_limit = 1000
