"""The web process (settings, apps, every URL module) imports neither crowd-kit nor what it brings
(pandas, scikit-learn), nor torch: the reliability model is imported by the background stats refresh only.
Nor the export builders' Polars and PyArrow (~60 MiB of every web worker): the build job loads them."""
from tests.fresh_process import modules_loaded_after

HEAVY = ("torch", "crowdkit", "pandas", "sklearn", "transformers", "scipy.stats", "polars", "pyarrow")


def test_serving_requests_imports_no_heavy_library():
    assert modules_loaded_after("import django\ndjango.setup()\nimport verdict.urls, verdict.wsgi", HEAVY) == []
