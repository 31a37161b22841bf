"""The import contract of docs/ARCHITECTURE.md (``[tool.importlinter]`` in pyproject.toml): Qt only
in ``app.ui``, every package importing only the layers below it, the registry above the case
types above the engine; every exception explained where it is listed; no import circle."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache", "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_every_exception_is_explained():
    """Each group of ``ignore_imports`` entries starts with a comment saying why."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    blocks = re.findall(r"ignore_imports = \[\n(.*?)\n\]", text, flags=re.S)
    assert blocks
    for block in blocks:
        previous = "["
        for line in (x.strip() for x in block.splitlines()):
            if line.startswith('"'):
                assert previous.startswith(("#", '"')), f"unexplained exception: {line}"
            previous = line


def test_no_import_circle():
    """No module reaches itself through imports, function-level ones included (the CLI loads its
    subcommands and the window by name, at the entry point only): a shared piece goes below both
    modules that need it, never into an import hidden in a function."""
    import grimp

    graph = grimp.build_graph("app")
    circles = sorted((m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)
                     if graph.chain_exists(importer=i, imported=m))
    assert circles == []


def test_every_package_has_its_layer():
    """A new top-level module or package of ``app`` must be placed in the layers (pyproject)."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    present = {f"app.{p.stem}" for p in (REPO / "app").glob("*.py") if p.stem != "__init__"}
    present |= {f"app.{p.parent.name}" for p in (REPO / "app").glob("*/__init__.py")}
    assert present - placed == set()
