"""Logging for the whole application: a rotating file in the user's log directory.

Nothing may log a PIN or a My Number. Code never passes a PIN to a logger; as a second line of
defence :class:`RedactFilter` masks any run of 12 digits (a My Number's shape) in every record.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re

from app.paths import log_dir

_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TWELVE_DIGITS.sub("************", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_configured = False


def setup_logging(level: int | None = None) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger()
    root.setLevel(level or getattr(logging, os.environ.get("MADOGUCHI_LOG_LEVEL", "INFO"), logging.INFO))
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            directory / "madoguchi.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s"))
    handler.addFilter(RedactFilter())
    root.addHandler(handler)
