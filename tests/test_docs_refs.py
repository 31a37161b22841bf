"""Committed text names no path on a developer machine and cites only documents the repository
holds (docs/SOURCES.md lists where DOMAIN.md and the source differ)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: texts cited by name that are not files of the repository, each with where it is described
EXTERNAL = {
    "DOMAIN.md": "the team's digest of the counter's rules; docs/SOURCES.md says where the source overrides it",
}

MACHINE_PATH = re.compile(r"/work/[A-Za-z]")
DOC_NAME = re.compile(r"(?<![\w/.-])([A-Za-z][\w-]*\.md)\b")
REPO_PATH = re.compile(r"(?<![\w/.-])((?:app|docs|tests|scripts|benchmarks|packaging|resources)/[\w./-]*\w\.(?:md|py|json|png|pdf|txt))\b")
BINARY = {".png", ".pdf", ".ico", ".icns", ".qm", ".der", ".p12", ".sqlite", ".db", ".gz", ".zip", ".ttf", ".otf"}


def _texts():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        path = ROOT / name
        if path.suffix.lower() in BINARY or not path.is_file():
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def test_no_committed_file_names_a_path_on_a_developer_machine():
    found = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
             for name, text in _texts() for m in MACHINE_PATH.finditer(text)]
    assert not found, "machine paths in committed files:\n" + "\n".join(found)


def test_every_cited_document_is_in_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    names = {Path(f).name for f in files}
    missing = []
    for name, text in _texts():
        for m in DOC_NAME.finditer(text):
            if m.group(1) not in names and m.group(1) not in EXTERNAL:
                missing.append(f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(1)}")
        for m in REPO_PATH.finditer(text):
            if "*" not in m.group(1) and not (ROOT / m.group(1)).exists():
                missing.append(f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(1)}")
    assert not missing, "cited documents not in the repository:\n" + "\n".join(missing)


def test_the_checks_catch_what_they_are_for():
    lost = "reference-diff" + ".md"          # the note the code once cited (not in the repository)
    assert MACHINE_PATH.search("see /" + "work/notes/" + lost)
    assert [m.group(1) for m in DOC_NAME.finditer(f"see {lost} D3 and docs/SOURCES.md")] == [lost]
    assert REPO_PATH.search("app/card/layout.py's table").group(1) == "app/card/layout.py"
