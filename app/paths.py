"""Where things live: bundled resources (frozen or not) and the per-user data, config and log dirs.

Every resource lookup goes through :func:`resource`, so the PyInstaller build (which unpacks data
under ``sys._MEIPASS``) and a source checkout resolve the same relative names. The user's own
directories come from platformdirs and can be overridden for tests with ``MADOGUCHI_HOME``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "madoguchi"


def resource_root() -> Path:
    """The folder that holds ``resources/`` contents: fonts, translations, icons, templates."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource("fonts", "ipaexg.ttf")``."""
    return resource_root().joinpath(*parts)


def _home_override() -> Path | None:
    value = os.environ.get("MADOGUCHI_HOME")
    return Path(value) if value else None


def config_dir() -> Path:
    home = _home_override()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = _home_override()
    return home / "log" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def system_data_dir() -> Path:
    """The terminal's shared data folder (the live store): ``/var/lib/madoguchi`` on Linux,
    ``%ProgramData%\\Madoguchi`` on Windows. ``MADOGUCHI_SYSTEM_DATA_DIR`` points it elsewhere;
    ``MADOGUCHI_HOME`` (tests) moves it like the user dirs."""
    explicit = os.environ.get("MADOGUCHI_SYSTEM_DATA_DIR")
    if explicit:
        return Path(explicit)
    home = _home_override()
    if home:
        return home / "system-data"
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Madoguchi"
    return Path("/var/lib/madoguchi")


def default_store_path(training: bool = False) -> Path:
    """The live store is one per terminal, shared by the clerks' OS accounts (app.store.shared);
    the training store is each user's own."""
    if training:
        return data_dir() / "training" / "demo.db"
    return system_data_dir() / "live" / "store.db"
