"""The whole counter without Qt: every registered case type driven to completion through
``app.desk`` in a process that never loads PySide6, each case's events replayed once for its
documents and its slip rendered once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.workflows.registry import ENTRIES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_case_type_completes_through_the_desk_without_qt(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO}
    done = subprocess.run([sys.executable, "-m", "tests.desk.drive", str(tmp_path / "store.db")], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["qt_loaded"] == []
    assert set(out["cases"]) == {e.id for e in ENTRIES}
    for case_type, case in out["cases"].items():
        assert case["status"] == "completed", case_type
        assert case["pdf"] and case["cached"] and case["queued"], case_type
        assert case["documents"][-1] == "slip" and case["documents"].count("slip") == 1, case_type
        assert case["replays"] == 1, (case_type, case["replays"])     # was 4 for a copy case
        assert case["slips_rendered"] == 1, case_type                 # was 2 for a copy case
    assert out["cases"]["copy_issuance"]["documents"] == ["copy", "slip"]
