"""Which modules a fresh Python process has loaded after running some start-up code: what the web
process and a job's process import is checked this way, not in the test process (which imports all)."""
import subprocess
import sys
from collections.abc import Sequence


def modules_loaded_after(code: str, modules: Sequence[str]) -> list[str]:
    """Those of ``modules`` in sys.modules once ``code`` has run in a new process with the test settings."""
    script = f"import sys\n{code}\nprint(','.join(m for m in {list(modules)!r} if m in sys.modules))\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={"DJANGO_SETTINGS_MODULE": "verdict.settings.test", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1:]
    return [name for name in (last[0].split(",") if last else []) if name]
