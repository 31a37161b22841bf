"""One process that runs many ``madoguchi`` commands in-process for the random CLI run: it reads
requests (JSON lines: argv, stdin) from one pipe and answers on another (status, output,
incidents), so a run that hangs or kills the process is seen by the test, not suffered by it.
Started by tests/cli/test_fuzz.py with its own MADOGUCHI_HOME and no reachable PC/SC daemon."""

from __future__ import annotations

import json
import os
import sys

from tests.cli.conftest import run_in_process


def main(requests_fd: int, answers_fd: int) -> None:
    with os.fdopen(requests_fd, "r", encoding="utf-8") as requests, \
            os.fdopen(answers_fd, "w", encoding="utf-8") as answers:
        for line in requests:
            request = json.loads(line)
            run = run_in_process(request["argv"], request["stdin"])
            answers.write(json.dumps({"status": run.status, "out": run.out[-2000:], "err": run.err[-4000:],
                                      "incidents": run.incidents}) + "\n")
            answers.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
