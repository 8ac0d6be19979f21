"""The dependency rules in `.importlinter` hold for the repository, and `lint-imports` (run by
.ci/run) really fails when one of them is broken: each case below adds a deliberate violation to a
copy of the code and expects the contract that forbids it to be reported broken."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("verdict", "verdict_ml", "annotation", "jobs", "quality", "hindsight", "datasets_app", "training")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(REPO / ".importlinter")],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def copy_of_the_code(target: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(REPO / package, target / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def test_the_repository_keeps_every_contract() -> None:
    result = lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("files", "broken_contract"),
    [
        ({"verdict_ml/violation.py": "import django.db\n"}, "The ML library (verdict_ml) imports nothing of the project"),
        ({"verdict_ml/violation.py": "from annotation import models\n"}, "The ML library (verdict_ml) imports nothing of the project"),
        ({"annotation/violation.py": "from jobs import models\n"}, "annotation (the core) imports no other app"),
        ({"jobs/violation.py": "from datasets_app import models\n"}, "jobs and hindsight never import training or datasets_app"),
        ({"hindsight/violation.py": "import training.models\n"}, "jobs and hindsight never import training or datasets_app"),
        ({"datasets_app/violation.py": "import training.models\n"}, "Apps are layered"),
        ({"verdict/api_errors.py": "import annotation.models\n"}, "verdict's settings, Celery app"),
        ({"training/violation.py": "from hindsight import urls\n"}, "Only verdict.urls includes several apps' URLs"),
        (
            {"training/management/commands/violation.py": "from training.management.commands import train_reward_model\n"},
            "Management commands do not import each other",
        ),
        (
            {"annotation/cycle_a.py": "from annotation import cycle_b\n", "annotation/cycle_b.py": "from annotation import cycle_a\n"},
            "No import cycles between the modules of any package",
        ),
    ],
)
def test_a_deliberate_violation_breaks_its_contract(tmp_path: Path, files: dict[str, str], broken_contract: str) -> None:
    code = copy_of_the_code(tmp_path)
    for relative, text in files.items():
        (code / relative).write_text(text)
    result = lint(code)
    assert result.returncode != 0
    report = " ".join(result.stdout.split())
    assert broken_contract in report.split("Broken contracts", 1)[1]
