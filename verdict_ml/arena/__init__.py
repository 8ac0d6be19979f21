"""Judging models by pairwise battles: Bradley–Terry ratings with bootstrap intervals."""
