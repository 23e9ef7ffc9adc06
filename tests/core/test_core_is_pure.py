"""instructor_map.core never imports Qt: the CLI and headless users must not need a display."""
from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import instructor_map.core as core

QT = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "qtpy", "shiboken6")


def test_no_core_module_names_qt():
    for path in Path(core.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in QT], f"{path.name} imports {names}"


def test_importing_every_core_module_loads_no_qt():
    modules = [f"instructor_map.core.{m.name}" for m in pkgutil.iter_modules(core.__path__)] + ["instructor_map.cli"]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + \
           f"print([m for m in sys.modules if m.split('.')[0] in {QT!r}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
