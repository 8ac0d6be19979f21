from datasets_app.models.exports import AnnotatorPseudonymSalt, DatasetFormat, DatasetStatus, DatasetVersion
from datasets_app.models.imports import ImportFormat, ImportRecord, ImportStatus

__all__ = [
    "AnnotatorPseudonymSalt",
    "DatasetFormat",
    "DatasetStatus",
    "DatasetVersion",
    "ImportFormat",
    "ImportRecord",
    "ImportStatus",
]
