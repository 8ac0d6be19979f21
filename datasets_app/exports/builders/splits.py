"""Deterministic train/validation splits by prompt content hash.

A prompt goes to validation when the first 64 bits of sha256(seed ":" content_hash), read as a fraction
of 2**64, fall below the validation fraction. Everything about a prompt is decided by its own content, so
a prompt never lands in two splits, and prompts already in validation stay there when the project grows
(only a larger fraction or another seed moves them).
"""
import hashlib

TRAIN = "train"
VALIDATION = "validation"
DEFAULT_SEED = "verdict"


def hash_fraction(content_hash: str, seed: str = DEFAULT_SEED) -> float:
    digest = hashlib.sha256(f"{seed}:{content_hash}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(content_hash: str, validation_fraction: float, seed: str = DEFAULT_SEED, declared: str | None = None) -> str:
    """The split of a prompt; `declared` (an imported prompt's own split) wins when it is train or validation."""
    if declared in (TRAIN, VALIDATION):
        return declared
    return VALIDATION if hash_fraction(content_hash, seed) < validation_fraction else TRAIN
