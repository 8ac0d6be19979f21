"""Paged, searchable, filterable lists (annotation/listing.py): pages never repeat or skip a row, the
count is capped instead of counting a whole table, and bad parameters are ignored (issue 16, point 6)."""
import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from annotation import listing
from annotation.listing import ListFilter, list_page
from annotation.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def get(**params):
    return RequestFactory().get("/", params)


@pytest.fixture
def projects(db):
    return [ProjectFactory(name=f"{'Alpha' if n % 3 == 0 else 'Beta'} {n:02d}", slug=f"p-{n:02d}", overlap=1 + n % 2) for n in range(30)]


def test_pages_cover_every_row_once_in_order(projects):
    first = list_page(get(), Project.objects.all(), per_page=12)
    second = list_page(get(page=2), Project.objects.all(), per_page=12)
    third = list_page(get(page=3), Project.objects.all(), per_page=12)
    names = [p.name for page in (first, second, third) for p in page]
    assert names == sorted(p.name for p in projects)
    assert (first.has_previous, first.has_next, third.has_next, len(third)) == (False, True, False, 6)
    assert (second.start, second.end, second.count_text) == (13, 24, "30")
    assert second.next_query == "page=3" and second.previous_query == ""


def test_search_and_filters_narrow_the_list_and_travel_with_the_pages(projects):
    overlap = ListFilter("overlap", "Overlap", "overlap", [("1", "1"), ("2", "2")])
    page = list_page(get(q="alpha", overlap="2", page="1"), Project.objects.all(), search=("name",), filters=[overlap], per_page=2)
    assert all(p.name.startswith("Alpha") and p.overlap == 2 for p in page)
    assert page.count == 5 and page.is_filtered
    assert page.next_query == "q=alpha&overlap=2&page=2"
    assert page.filters == [{"name": "overlap", "label": "Overlap", "choices": overlap.choices, "selected": "2"}]


def test_a_number_finds_the_row_with_that_id(projects):
    target = projects[7]
    page = list_page(get(q=f"#{target.pk}"), Project.objects.all(), search=("name",))
    assert [p.pk for p in page] == [target.pk]


def test_unknown_choices_and_bad_pages_are_ignored(projects):
    overlap = ListFilter("overlap", "Overlap", "overlap", [("1", "1")])
    page = list_page(get(overlap="1; DROP TABLE", page="-4"), Project.objects.all(), filters=[overlap])
    assert page.number == 1 and page.count == 30 and not page.is_filtered
    assert list_page(get(page="x"), Project.objects.all()).number == 1
    assert list_page(get(page="99999999"), Project.objects.all()).number == listing.MAX_PAGE


def test_the_count_is_capped_and_no_query_counts_the_whole_table(projects, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    with CaptureQueriesContext(connection) as queries:
        page = list_page(get(), Project.objects.all(), per_page=5)
    assert (page.count, page.count_capped, page.count_text) == (10, True, "10+")
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert counts and all("LIMIT 11" in sql for sql in counts), counts
