"""The web process (settings, apps, every URL module) imports neither crowd-kit nor what it brings
(pandas, scikit-learn), nor torch: the reliability model is imported by the background stats refresh only.
Nor the export builders' Polars and PyArrow (~60 MiB of every web worker): the build job loads them."""
import subprocess
import sys

CHECK = """
import sys, django
django.setup()
import verdict.urls, verdict.wsgi
print(",".join(m for m in ("torch", "crowdkit", "pandas", "sklearn", "transformers", "scipy.stats", "polars", "pyarrow") if m in sys.modules))
"""


def test_serving_requests_imports_no_heavy_library():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120,
                            env={"DJANGO_SETTINGS_MODULE": "verdict.settings.test", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1:] in ([], [""]), result.stdout
