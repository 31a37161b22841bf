"""Run inside a private mount namespace (``unshare --mount``) by test_machine_faults.py: mounts a
small tmpfs at MOUNT, puts a copy of STORE there, makes the fault (read-only, full) for real at
the OS level, runs the command in this process and prints what happened as JSON."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys

from tests.cli.conftest import run_in_process


def _mount(mount: str, options: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", mount], check=True)


def _fill(directory: str) -> None:
    """Write a file until the file system says ENOSPC (the real error, not a simulated one)."""
    with open(os.path.join(directory, "filler"), "wb", buffering=0) as fh:
        block = b"\0" * 4096
        while True:
            try:
                fh.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    while True:                     # the last partial block too
        try:
            with open(os.path.join(directory, f"crumb{os.urandom(4).hex()}"), "wb") as fh:
                fh.write(b"\0")
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            break


def main(mount: str, template: str, fault: str) -> None:
    _mount(mount, "size=4m,mode=0755")
    store = os.path.join(mount, "store.db")
    shutil.copy(template, store)
    out: dict = {}
    if fault == "readonly":
        subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
        for name, argv in (("info", ["store", "info", "--store", store]),
                           ("staff_add", ["staff", "add", "--store", store, "--name", "新人", "--role", "clerk",
                                          "--no-password", "newclerk"])):
            r = run_in_process(argv)
            out[name] = {"status": r.status, "err": r.err, "incidents": r.incidents}
    else:
        holder = sqlite3.connect(store)      # another terminal process keeps the store open
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("SELECT count(*) FROM staff").fetchone()
        before = holder.execute("SELECT count(*) FROM staff").fetchone()[0]
        _fill(mount)
        os.environ["TMPDIR"] = mount         # the self-test's scratch store is on the full disk too
        r = run_in_process(["staff", "add", "--store", store, "--name", "新人", "--role", "clerk",
                            "--password-stdin", "newclerk"], stdin="new-password-123\n")
        out["staff_add"] = {"status": r.status, "err": r.err, "incidents": r.incidents}
        r = run_in_process(["security", "selftest", "--store", store])
        out["selftest"] = {"status": r.status, "err": r.err, "out": r.out, "incidents": r.incidents}
        for name in os.listdir(mount):
            if name == "filler" or name.startswith("crumb"):
                os.unlink(os.path.join(mount, name))
        out["integrity"] = holder.execute("PRAGMA integrity_check").fetchone()[0]
        out["staff_added"] = holder.execute("SELECT count(*) FROM staff").fetchone()[0] - before
        holder.close()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:4])
