"""The terminal's live store is one shared file in the system data folder, made by
`madoguchi config init --system`: folder 2770, store 0660, nothing for others. (Access by a second
OS account and the sync account is proven by the go-live test, tests/packaging/test_golive.py.)"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from app.paths import default_store_path, system_data_dir
from app.store import open_store
from app.store.shared import problems

ROOT = Path(__file__).resolve().parents[2]


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_config_init_system_makes_the_shared_store(madoguchi_home):
    r = subprocess.run([sys.executable, "-m", "app", "config", "init", "--system", "--yes",
                        "--terminal-id", "KITA-01"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    store = default_store_path()
    assert store == system_data_dir() / "live" / "store.db" and str(store) in r.stdout
    assert _mode(system_data_dir()) == 0o2770 and _mode(store.parent) == 0o2770
    assert _mode(store) == 0o660
    with open_store(store) as s:                       # a usable, empty store
        s.conn.execute("PRAGMA journal_mode").fetchone()
        assert s.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 0
    for p in store.parent.iterdir():                   # -wal / -shm follow the store's mode
        assert not _mode(p) & 0o007, p
    assert problems() == []
    store.chmod(0o664)
    assert any("others have access" in p for p in problems())
