"""Exports: versioned, reproducible dataset files built from a project's annotations. `builders/`
holds the Django-free rules of each format (the batch-at-a-time path in `builders/columnar/`);
`selectors.py` streams the rows, `dataset_rows.py` writes a version's files, `services.py` defines,
builds and stores versions, `tasks.py` is the Celery adapter; `api.py`, `views.py` and `urls.py` are
the interfaces."""
