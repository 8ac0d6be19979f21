"""Imports: an uploaded file (JSONL, CSV, Parquet, a saved Hugging Face dataset) becomes a project's
prompts, responses, items and imported annotations. `parsers/` reads and validates rows without
Django; `services.py` writes them; `api.py`, `views.py` and `urls.py` are the interfaces."""
