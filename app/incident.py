"""Unexpected errors: written to the log under an incident number, shown as one short message.

An exception that is not a :class:`app.errors.MadoguchiError` is a defect, not a message for the
user. The top-level handlers (the ``madoguchi`` command in :func:`app.cli.main`, the window in
:mod:`app.ui.main`) pass it to :func:`record`, which writes the full traceback to the log with a
fresh incident number, and show the person only :func:`incident_message`: the number, in
Japanese and English, so IT staff can find the traceback. The traceback goes through the log's
redaction filter like every other record (it is part of the message, not ``exc_info``).
"""

from __future__ import annotations

import datetime as _dt
import errno
import logging
import secrets
import sqlite3
import traceback

from app.errors import MadoguchiError

log = logging.getLogger("app.incident")

#: exit status of the command after an unexpected error (EX_SOFTWARE of sysexits.h)
EXIT_INCIDENT = 70


def new_incident_id() -> str:
    """Short enough to read out on the phone: ``20261130-101530-7F3A`` (UTC time + 4 hex)."""
    now = _dt.datetime.now(_dt.timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"


def record(exc: BaseException, where: str = "") -> str:
    """Log ``exc`` with its traceback under a new incident number; return the number."""
    incident = new_incident_id()
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("incident %s%s: unexpected error\n%s", incident, f" ({where})" if where else "", text.rstrip())
    return incident


class Incident(MadoguchiError):
    """What the person sees after an unexpected error: the incident number and what to do."""

    code = "incident"
    exit_status = EXIT_INCIDENT

    def __init__(self, incident: str):
        self.incident = incident
        super().__init__(
            f"予期しないエラーが発生しました（事象番号 {incident}）。この番号を IT 担当に伝えてください。",
            f"An unexpected error occurred (incident {incident}). Give this number to IT staff.")


def incident_message(exc: BaseException, where: str = "") -> Incident:
    """Record ``exc`` (see :func:`record`) and return the short message for the person."""
    return Incident(record(exc, where))


class FileProblem(MadoguchiError):
    """A file or folder the machine would not let us use (no space, no permission, a name too
    long...): an error of the surroundings, not of the program, so it is named, not numbered."""

    code = "file.unusable"

    def __init__(self, exc: OSError):
        name = exc.filename if exc.filename is not None else ""
        what = exc.strerror or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            super().__init__(f"ディスクがいっぱいです: {name}。空き容量を作ってから、もう一度操作してください。",
                             f"the disk is full: {name}. Free some space, then repeat the step.")
        else:
            super().__init__(f"ファイルを扱えません: {name}（{what}）", f"cannot use the file {name} ({what})")


def explain(exc: BaseException, where: str = "") -> MadoguchiError:
    """What to tell the person about ``exc``: its own words for a :class:`MadoguchiError`; the
    machine's problem in words for a full disk, a read-only or damaged store, a file that cannot
    be used (logged at WARNING with its traceback); otherwise an :class:`Incident` (logged)."""
    if isinstance(exc, MadoguchiError):
        return exc
    problem: MadoguchiError | None = None
    if isinstance(exc, (OSError, sqlite3.Error)):
        # the store only for a store's failure: explaining a crash must not need it
        from app.store.db import store_problem

        problem = store_problem(exc)
        if problem is None and isinstance(exc, OSError):
            problem = FileProblem(exc)
    if problem is None:
        return incident_message(exc, where)
    log.warning("%s%s\n%s", problem.en, f" ({where})" if where else "",
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip())
    return problem
