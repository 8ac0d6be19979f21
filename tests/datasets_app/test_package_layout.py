"""The datasets app's modules import each other without cycles, and its Celery task is still found where
Celery's autodiscovery looks (`datasets_app.tasks`) under its unchanged name."""
import ast
import subprocess
import sys
from pathlib import Path

import datasets_app

APP = Path(datasets_app.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the app's modules it imports, from every import statement (function-level ones too).
    A module's own ancestor packages do not count: Python imports them before the module anyway."""
    paths = {module_name(path): path for path in APP.rglob("*.py") if "migrations" not in path.parts}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(f"{target}."):
                    graph[name].add(target)
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, …, a], or [] when there is none (depth-first search, three colours)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_cycle_finder_sees_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_the_datasets_app_modules_import_one_another_without_cycles():
    graph = import_graph()
    assert {"datasets_app.exports.services", "datasets_app.exports.tasks"} <= set(graph)
    assert cycle_in(graph) == []


def test_autodiscovery_registers_the_export_build_task_under_its_name():
    # A fresh process, so that nothing the tests imported registers the task in autodiscovery's place.
    script = (
        "import django; django.setup()\n"
        "from verdict.celery import app\n"
        "app.loader.import_default_modules()\n"
        "print(app.tasks['datasets_app.build_dataset_version'].run.__module__)\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "verdict.settings.test", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=APP.parent, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "datasets_app.exports.tasks"
