"""Logging for the whole application: a rotating file in the user's log directory.

Nothing may log a PIN or a My Number. Code never passes a PIN to a logger; as a second line of
defence :class:`RedactFilter` masks any run of 12 digits (a My Number's shape) in every record.
"""

from __future__ import annotations

import logging
import os
import re

_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_FORMAT = "%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s"


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TWELVE_DIGITS.sub("************", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class _LogFile(logging.Handler):
    """The rotating log file, opened at the first record: a command that logs nothing (most
    diagnostics, ``--help``) does not pay for finding the log folder and the rotation code."""

    def __init__(self) -> None:
        super().__init__()
        self._target: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._target is None:
            self._target = _open_log_file()
            self._target.setFormatter(self.formatter)
        self._target.handle(record)

    def flush(self) -> None:
        if self._target is not None:
            self._target.flush()

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
        super().close()


class RotatingLogFile(logging.FileHandler):
    """The log file, renamed to ``.1`` (older ones to ``.2`` … ``.{backups}``, the oldest dropped)
    before a record would take it past ``max_bytes``: the rule of the standard library's
    ``RotatingFileHandler``, without importing ``logging.handlers``, which brings the socket and
    pickle modules — a third of the start-up budget of a one-shot command such as ``madoguchi
    card readers`` (benchmarks/startup.py)."""

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int = 5_000_000, backups: int = 5):
        super().__init__(path, encoding="utf-8")      # opened now: an unwritable folder shows here
        self.max_bytes, self.backups = max_bytes, backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is None:
                self.stream = self._open()
            self.stream.seek(0, 2)           # another process may have written meanwhile
            if self.stream.tell() and self.stream.tell() + len(self.format(record)) + 1 >= self.max_bytes:
                self._rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self) -> None:
        self.stream.close()
        self.stream = None                   # FileHandler.emit opens a fresh file
        for n in range(self.backups - 1, 0, -1):
            if os.path.exists(older := f"{self.baseFilename}.{n}"):
                os.replace(older, f"{self.baseFilename}.{n + 1}")
        os.replace(self.baseFilename, f"{self.baseFilename}.1")


def _open_log_file() -> logging.Handler:
    # platformdirs only when a log file is opened
    from app.paths import log_dir

    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        return RotatingLogFile(directory / "madoguchi.log")
    except OSError:
        return logging.StreamHandler()


_configured = False


def setup_logging(level: int | None = None) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger()
    root.setLevel(level or getattr(logging, os.environ.get("MADOGUCHI_LOG_LEVEL", "INFO"), logging.INFO))
    handler = _LogFile()
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactFilter())
    root.addHandler(handler)
