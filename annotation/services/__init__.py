"""Writes of the annotation app, one module per feature: projects and content (`projects`), task assignment
(`assignment`), annotation submission (`submission`). Callers import them from here."""
from annotation.services.assignment import (
    AnnotatorPaused,
    AssignmentConflict,
    LeaseLimitReached,
    assignment_next,
    assignment_skip,
)
from annotation.services.projects import (
    item_get_or_create,
    membership_add,
    membership_pause,
    project_create,
    project_update,
    prompt_get_or_create,
    response_get_or_create,
)
from annotation.services.submission import (
    SLOTS,
    AnnotationInput,
    TaskNotFound,
    annotation_fill,
    annotation_revise,
    annotation_submit,
    as_shown,
    displayed_responses,
    task_submit,
    validate_annotation,
)

__all__ = [
    "SLOTS",
    "AnnotationInput",
    "AnnotatorPaused",
    "AssignmentConflict",
    "LeaseLimitReached",
    "TaskNotFound",
    "annotation_fill",
    "annotation_revise",
    "annotation_submit",
    "as_shown",
    "assignment_next",
    "assignment_skip",
    "displayed_responses",
    "item_get_or_create",
    "membership_add",
    "membership_pause",
    "project_create",
    "project_update",
    "prompt_get_or_create",
    "response_get_or_create",
    "task_submit",
    "validate_annotation",
]
