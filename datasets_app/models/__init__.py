from datasets_app.models.imports import ImportFormat, ImportRecord, ImportStatus

__all__ = ["ImportFormat", "ImportRecord", "ImportStatus"]
