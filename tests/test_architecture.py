"""The core is pure: it imports nothing outside the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).parents[1] / "src" / "socialcredit" / "core"
FORBIDDEN_STDLIB = {"os", "subprocess", "socket", "sqlite3", "pathlib", "io", "time", "shutil"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_core_imports_only_stdlib_and_core() -> None:
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("socialcredit."):
                if not name.startswith("socialcredit.core"):
                    offenders.append(f"{path.name}: {name}")
            elif top not in sys.stdlib_module_names or top in FORBIDDEN_STDLIB:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_core_never_reads_the_clock() -> None:
    for path in sorted(CORE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
            assert needle not in text, f"{path.name} reads the clock via {needle}"


APPLICATION = CORE.parent / "application"


def test_the_application_is_composed_not_mixed_in() -> None:
    """Issue 10's narrow face: parts over one context, no mixins, no actor in settings."""
    import dataclasses

    from socialcredit.application import Application
    from socialcredit.application.base import Part
    from socialcredit.settings import Settings

    assert Application.__bases__ == (object,)
    names = {f.name for f in dataclasses.fields(Settings)}
    assert not names & {"actor", "role", "purpose"}
    for path in sorted(APPLICATION.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                # a part derives from Part only: never from another part (a mixin)
                assert len(bases) <= 1, (path.name, node.name, bases)
    assert Part.__bases__ == (object,)


def test_no_application_module_is_over_420_lines() -> None:
    for path in sorted(APPLICATION.glob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        assert n <= 420, (path.name, n)
