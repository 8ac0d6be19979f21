"""`scripts/mutation.sh` names modules and the tests that guard them by path: a file that moves must be
renamed there too (the script is not run in CI, so nothing else would notice)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_path_in_the_mutation_script_exists():
    script = (ROOT / "scripts" / "mutation.sh").read_text()
    modules = re.findall(r'^\s*"([\w/.]+\.py) :: ([^"]+)"', script, flags=re.MULTILINE)
    focus = re.findall(r'^\s*\["([\w/.]+\.py)"\]=', script, flags=re.MULTILINE)
    assert modules and focus
    paths = {module for module, _ in modules} | {test for _, tests in modules for test in tests.split()} | set(focus)
    assert sorted(path for path in paths if not (ROOT / path).is_file()) == []
    assert set(focus) <= {module for module, _ in modules}
