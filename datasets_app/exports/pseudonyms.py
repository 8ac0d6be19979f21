"""How exports name annotators: a pseudonym per project, the same in every version and in the export's
reliability weights (`weights`), so that no file carries a user id."""
import hashlib
import hmac
from collections.abc import Callable

from annotation.models import Project
from datasets_app.models import AnnotatorPseudonymSalt


def pseudonymiser(project: Project) -> Callable[[int | None], str | None]:
    """An annotator id's pseudonym in the project's exports: a salted HMAC, stable within the project."""
    salt, _ = AnnotatorPseudonymSalt.objects.get_or_create(project=project)
    key = salt.salt.encode()
    known: dict[int, str] = {}

    def pseudonym(annotator_id: int | None) -> str | None:
        if annotator_id is None:
            return None
        if annotator_id not in known:
            known[annotator_id] = hmac.new(key, str(annotator_id).encode(), hashlib.sha256).hexdigest()[:16]
        return known[annotator_id]

    return pseudonym
