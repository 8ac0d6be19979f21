"""The export formats computed a batch at a time over Polars frames (Rust, outside the GIL) instead of
a Python object per value. The per-group builders in `builders.formats` stay the reference: groups
the vectorised rules do not cover (more than three judgements to choose among) go through them, and
the tests check that both give the same rows."""
