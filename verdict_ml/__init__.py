"""Verdict's machine-learning library: reward models (`rewards/`), online DPO (`online_dpo/`), policies
and generation (`policies/`), the outcome simulator (`outcomes.py`).

Plain PyTorch / transformers / TRL that knows nothing of Django or of the rest of the project (an
import-linter contract in `.ci/run` enforces it): the Django apps feed it rows and callbacks, and the
web process never imports it (torch is imported lazily, inside the workers)."""
