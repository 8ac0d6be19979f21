"""Fixtures of the export tests."""
import pytest

from tests.datasets_app.export_builders import annotate, pair, raters


@pytest.fixture
def labelled(project):
    users = raters(3)
    for n in range(4):
        item = pair(project, f"Question {n}?", f"Good {n}", f"Bad {n}")
        for user in users:
            annotate(item, user, preference_strength=-2, justification="Response A is better.")
    return project
