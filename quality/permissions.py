"""Who reviews and adjudicates: the project's researchers and admins (the people who manage it)."""
from annotation.models import Project
from annotation.permissions import User, managed_project

REVIEWERS_ONLY = "Only the project's researchers and admins review and adjudicate labels."


def reviewed_project(user: User, slug: str) -> Project:
    """A project the user may review: 404 for non-members (as for a missing project), 403 for annotators."""
    return managed_project(user, slug, REVIEWERS_ONLY)
