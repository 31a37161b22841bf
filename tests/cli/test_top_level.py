"""The ``madoguchi`` command's top-level handler: an unexpected exception is logged with an
incident number and the person sees one short message with that number (ja and en); a reader
that closes our output (``| head``) ends the command quietly."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO


def test_an_unexpected_exception_is_an_incident_not_a_traceback(monkeypatch, madoguchi):
    from app.security import cli as security_cli

    def defect(args):
        raise KeyError("a defect")

    monkeypatch.setattr(security_cli, "_selftest", defect)     # a defect injected into one command
    run = madoguchi(["security", "selftest"])
    assert run.status == 70
    number = re.search(r"事象番号 (\S+)）", run.err).group(1)
    assert f"incident {number}" in run.err and "Traceback" not in run.err and "KeyError" not in run.err
    assert len(run.incidents) == 1
    logged = run.incidents[0]
    assert logged.startswith(f"incident {number} (madoguchi security selftest)")
    assert "Traceback" in logged and "KeyError: 'a defect'" in logged


def test_the_incident_goes_to_the_log_file(tmp_path):
    home = tmp_path / "home"
    script = ("import app.cli, app.security.cli as s\n"
              "s._selftest = lambda args: {}['boom']\n"
              "raise SystemExit(app.cli.main(['security', 'selftest']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                            timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO), MADOGUCHI_HOME=str(home)))
    number = re.search(r"incident (\S+)\)", result.stderr).group(1)
    log = (home / "log" / "madoguchi.log").read_text(encoding="utf-8")
    assert result.returncode == 70 and "Traceback" not in result.stderr
    assert f"incident {number} (madoguchi security selftest)" in log and "KeyError: 'boom'" in log


def _to_a_closed_pipe(*args):
    read_end, write_end = os.pipe()
    os.close(read_end)                  # the reader is gone before the first byte is written
    try:
        return subprocess.run([sys.executable, "-m", "app", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=60,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
    finally:
        os.close(write_end)


def test_a_closed_pipe_ends_the_command_quietly(madoguchi_home):
    result = _to_a_closed_pipe("rules", "settings")
    assert result.stderr == "" and result.returncode == 141
    assert _to_a_closed_pipe("--help").stderr == ""      # argparse's own output: quiet as well
