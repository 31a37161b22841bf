"""The ``madoguchi`` command's top-level handler: an unexpected exception is logged with an
incident number and the person sees one short message with that number (ja and en); a reader
that closes our output (``| head``) ends the command quietly."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO


def test_an_unexpected_exception_is_an_incident_not_a_traceback(madoguchi_home, capsys, monkeypatch):
    from app import cli
    from app.security import cli as security_cli

    def defect(args):
        raise KeyError("a defect")

    monkeypatch.setattr(security_cli, "_selftest", defect)     # a defect injected into one command
    status = cli.main(["security", "selftest"])
    err = capsys.readouterr().err
    assert status == 70
    number = re.search(r"事象番号 (\S+)）", err).group(1)
    assert f"incident {number}" in err and "Traceback" not in err and "KeyError" not in err
    log = (madoguchi_home / "log" / "madoguchi.log").read_text(encoding="utf-8")
    assert f"incident {number} (madoguchi security selftest)" in log
    assert "Traceback" in log and "KeyError: 'a defect'" in log


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
