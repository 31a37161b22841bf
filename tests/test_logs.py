"""The log file rotates like the standard library's RotatingFileHandler (size limit, numbered old
files, the oldest dropped) and keeps every record whole."""

from __future__ import annotations

import logging

from app.logs import RedactFilter, RotatingLogFile


def test_the_log_file_rotates_at_its_size_and_keeps_the_newest_files(tmp_path):
    path = tmp_path / "madoguchi.log"
    handler = RotatingLogFile(path, max_bytes=200, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactFilter())
    logger = logging.getLogger("test-rotation")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for n in range(30):
            logger.warning("record %02d %s", n, "x" * 39)        # 50 bytes a line: 3 stay below 200
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["madoguchi.log", "madoguchi.log.1", "madoguchi.log.2"]     # older ones dropped
    lines = [line for name in ("madoguchi.log.2", "madoguchi.log.1", "madoguchi.log")
             for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()]
    assert [line.split()[1] for line in lines] == [f"{n:02d}" for n in range(30 - len(lines), 30)]
    assert all(len((tmp_path / name).read_bytes()) < 200 for name in files)
    assert len(lines) == 9 and all(line.endswith("x" * 39) for line in lines)


def test_a_record_longer_than_the_limit_is_written_whole(tmp_path):
    handler = RotatingLogFile(tmp_path / "m.log", max_bytes=10, backups=1)
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "a long line of text", None, None)
    handler.emit(record)
    handler.emit(record)
    handler.close()
    assert (tmp_path / "m.log").read_text(encoding="utf-8") == "a long line of text\n"
    assert (tmp_path / "m.log.1").read_text(encoding="utf-8") == "a long line of text\n"
