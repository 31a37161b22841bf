"""Run every benchmark module in this package (``python -m benchmarks [--quick] [name ...]``).

Each module ``benchmarks/<area>.py`` has ``main(quick: bool)``; a failing one is reported and the
others still run. The exit status is non-zero if any benchmark raised.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    failed = 0
    for name in names:
        if wanted and name not in wanted:
            continue
        try:
            importlib.import_module(f"benchmarks.{name}").main(quick=quick)
        except Exception:  # report and go on with the others
            failed += 1
            print(f"benchmark {name} failed:", file=sys.stderr)
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
