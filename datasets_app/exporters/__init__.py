"""Dataset export building blocks that know nothing of Django: aggregation, row builders for each
format, deterministic splits, streaming writers and the dataset card. `services/exports.py` feeds them
rows streamed from the database."""
