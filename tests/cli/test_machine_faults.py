"""A store on a read-only file system and a full disk, made for real in a private mount
namespace (a small tmpfs; nothing on the machine's own disks is touched): named as such, the
store stays intact, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def _in_private_mount(tmp_path, template, fault) -> dict:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("unshare(1) and mount(8) are needed for a private tmpfs")
    prefix = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        prefix = ["unshare", "--map-root-user", "--mount", "--propagation", "private"]
    mount = tmp_path / "mnt"
    mount.mkdir()
    result = subprocess.run([*prefix, sys.executable, "-m", "tests.cli.fs_child", str(mount), str(template), fault],
                            capture_output=True, text=True, cwd=REPO, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.returncode == 0, result.stderr
    assert not any(mount.iterdir())          # the tmpfs lived only in the namespace
    return json.loads(result.stdout.splitlines()[-1])


def test_a_store_on_a_read_only_file_system_is_named_as_such(tmp_path, _demo_template):
    out = _in_private_mount(tmp_path, _demo_template, "readonly")
    for name in ("info", "staff_add"):
        assert out[name]["status"] == 2 and not out[name]["incidents"], out[name]
        assert "read-only file system" in out[name]["err"] and "読み取り専用" in out[name]["err"]
        assert "damaged or not a store" not in out[name]["err"]


def test_a_full_disk_is_a_message_and_the_store_stays_intact(tmp_path, _demo_template):
    out = _in_private_mount(tmp_path, _demo_template, "full")
    add = out["staff_add"]
    assert add["status"] == 2 and not add["incidents"] and "the disk is full" in add["err"], add
    selftest = out["selftest"]
    assert not selftest["incidents"] and "Traceback" not in selftest["err"] + selftest["out"], selftest
    assert selftest["status"] != 0 and ("disk is full" in selftest["err"] or "FAIL" in selftest["out"]), selftest
    assert out["integrity"] == "ok" and out["staff_added"] == 0
