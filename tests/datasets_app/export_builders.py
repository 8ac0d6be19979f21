"""Builders shared by the export tests: annotations written straight to the database, as the
annotation services would leave them (canonical strength, scores keyed by slot)."""
import gzip
import json
from typing import Any

from django.core.files.storage import default_storage
from django.utils import timezone

from annotation.models import Annotation, AnnotationSource, Assignment, Item
from tests.factories import ItemFactory, PromptFactory, ResponseFactory, UserFactory

HELPSTEER = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")


def scores(*values: int) -> dict[str, int]:
    return dict(zip(HELPSTEER, values))


def annotate(item: Item, annotator: Any = None, *, swapped: bool = False, **fields: Any) -> Annotation:
    """An annotation by `annotator` (None: imported), with the assignment that says what they saw."""
    if annotator is not None:
        now = timezone.now()
        Assignment.objects.create(
            item=item, annotator=annotator, state="submitted", swapped=swapped, leased_at=now, lease_expires_at=now
        )
    source = AnnotationSource.HUMAN if annotator is not None else AnnotationSource.IMPORTED
    return Annotation.objects.create(item=item, annotator=annotator, source=source, **fields)


def pair(project: Any, prompt_text: str, first: str, second: str, *, messages: list | None = None, **fields: Any) -> Item:
    prompt = PromptFactory(project=project, messages=messages or [{"role": "user", "content": prompt_text}])
    return ItemFactory(
        project=project,
        prompt=prompt,
        response_1=ResponseFactory(prompt=prompt, text=first),
        response_2=ResponseFactory(prompt=prompt, text=second),
        **fields,
    )


def raters(count: int) -> list[Any]:
    return [UserFactory(username=f"rater{index}", role="annotator") for index in range(count)]


def read_jsonl(version: Any, name: str) -> list[dict[str, Any]]:
    with default_storage.open(f"{version.storage_path}/jsonl/{name}.jsonl.gz", "rb") as handle:
        return [json.loads(line) for line in gzip.decompress(handle.read()).decode("utf-8").splitlines()]


def read_stored(version: Any, path: str) -> bytes:
    with default_storage.open(f"{version.storage_path}/{path}", "rb") as handle:
        return handle.read()
