"""The random CLI run (issue 12 §3): Hypothesis over the real argument grammar, every run must end
in a result or a message — no traceback, no incident. In the suite a fixed set of examples
(derandomized: the same runs every time, so the suite cannot flake); ``make fuzz`` sets
``MADOGUCHI_FUZZ_EXAMPLES`` and runs many more at random. See tests/cli/fuzz.py."""

from __future__ import annotations

import collections
import json
import os
import re
import select
import subprocess
import sys
import time

from hypothesis import HealthCheck, given, settings

from tests.cli import fuzz
from tests.conftest import REPO

FUZZING = "MADOGUCHI_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("MADOGUCHI_FUZZ_EXAMPLES", "400"))
RUN_TIMEOUT = 90        # seconds for one run; more is a hang


class Worker:
    def __init__(self, home, cwd):
        self.home, self.cwd = home, cwd
        self.proc = None

    def start(self):
        req_r, self.req_w = os.pipe()
        self.ans_r, ans_w = os.pipe()
        env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", **fuzz.environment(self.home))
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.cli.fuzz_worker", str(req_r), str(ans_w)],
                                     pass_fds=(req_r, ans_w), cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=open(self.home / "worker.err", "ab"))
        os.close(req_r)
        os.close(ans_w)
        self.answers = os.fdopen(self.ans_r, "r", encoding="utf-8")

    def run(self, argv, stdin):
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        os.write(self.req_w, (json.dumps({"argv": argv, "stdin": stdin}) + "\n").encode("utf-8", "surrogatepass"))
        ready, _, _ = select.select([self.answers], [], [], RUN_TIMEOUT)
        line = self.answers.readline() if ready else ""
        if not line:
            code = self.stop()
            return {"status": None, "out": "", "err": f"worker {'hung' if not ready else f'died ({code})'}",
                    "incidents": [f"HANG or CRASH: worker {'did not answer in %d s' % RUN_TIMEOUT if not ready else f'exited {code}'}"]}
        return json.loads(line)

    def stop(self):
        if self.proc is None:
            return None
        self.proc.kill()
        code = self.proc.wait(timeout=30)
        os.close(self.req_w)
        self.answers.close()
        self.proc = None
        return code


_FRAME = re.compile(r'File ".*?/(app/[^"]+)", line (\d+), in (.*)$')


def _cause(incident: str) -> str:
    """Where a traceback ends: exception type and the app's last frame (one line per cause)."""
    lines = incident.strip().splitlines()
    frames = [m.groups() for m in (_FRAME.search(line.strip()) for line in lines) if m]
    where = "%s:%s %s" % frames[-1] if frames else "?"
    return f"{lines[-1].split(':')[0]} at {where}"


def test_random_cli_runs_end_in_a_result_or_a_message(tmp_path, _demo_template):
    workspace = fuzz.Workspace(tmp_path / "ws", _demo_template)
    commands = fuzz.grammar()
    home = tmp_path / "home"
    home.mkdir()
    workspace.fresh()
    worker = Worker(home, workspace.run_dir)
    found: dict[str, list] = collections.defaultdict(list)
    count = collections.Counter()
    started = time.monotonic()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not FUZZING, database=None,
              suppress_health_check=list(HealthCheck))
    @given(fuzz.runs(commands, workspace))
    def one_run(example):
        argv, stdin = example
        workspace.fresh()
        result = worker.run(argv, stdin)
        count["runs"] += 1
        if FUZZING and count["runs"] % 250 == 0:
            print(f"fuzz: {count['runs']} runs, {len(found)} causes so far", file=sys.stderr, flush=True)
        count[f"exit {result['status']}"] += 1
        problems = list(result["incidents"]) + (["Traceback on screen:\n" + result["err"]]
                                                if "Traceback" in result["err"] + result["out"] else [])
        for problem in problems:
            found[_cause(problem)].append((argv, stdin, problem))

    try:
        one_run()
    finally:
        worker.stop()
    elapsed = time.monotonic() - started
    summary = (f"{count['runs']} runs in {elapsed:.0f} s over {len(commands)} command paths; "
               f"exit statuses {dict(sorted((k, v) for k, v in count.items() if k != 'runs'))}; "
               f"{sum(len(v) for v in found.values())} tracebacks from {len(found)} causes")
    print(summary)
    report = os.environ.get("MADOGUCHI_FUZZ_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            fh.write(summary + "\n\n")
            for cause, cases in found.items():
                argv, stdin, text = cases[0]
                fh.write(f"== {cause} ({len(cases)} runs)\nargv: {argv!r}\nstdin: {stdin!r}\n{text}\n\n")
    assert not found, summary + "\n" + "\n".join(f"- {c}: {len(v)} runs, e.g. {v[0][0]!r}" for c, v in found.items())
