"""Dataset export building blocks that know nothing of Django: aggregation, row builders for each
format, deterministic splits, streaming writers and the dataset card. `exports/dataset_rows.py` feeds
them rows streamed from the database."""
