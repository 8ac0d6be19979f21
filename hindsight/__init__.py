"""Hindsight simulation (RLHS, arXiv 2501.08617): annotators rate a response in foresight, see a
simulated outcome of the user acting on it, and rate again in hindsight.

Modules: `importer` (scenario JSONL), `simulation` (Django-free outcome simulators), `jobs` (the
outcome-simulation job), `services` (the foresight → reveal → hindsight flow), `selectors` (task
state, gap statistics, preference pairs, export groups), `export_rows` (pure export row builder).
"""
