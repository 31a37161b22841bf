"""Run the benchmark modules of this package (``python -m benchmarks [--quick] [name ...]``).

Each module ``benchmarks/<area>.py`` has ``main(quick: bool)``; a failing one is reported and the
others still run. The exit status is non-zero if any benchmark raised. ``--help`` lists the
benchmarks (first line of each module's docstring, read without importing it) and runs none.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).parent


def _names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def _summary(name: str) -> str:
    doc = ast.get_docstring(ast.parse((HERE / f"{name}.py").read_text(encoding="utf-8"))) or ""
    first = doc.split("\n\n")[0].replace("\n", " ")
    return first.removeprefix("Benchmark of ").removeprefix("Benchmarks of ").removeprefix("Benchmark: ")


def build_parser() -> argparse.ArgumentParser:
    names = _names()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Speed and memory benchmarks (make bench). With no NAME every benchmark runs; "
                    "some take minutes.",
        epilog="benchmarks:\n" + "\n".join(f"  {n:<11} {_summary(n)[:300]}" for n in names))
    parser.add_argument("names", nargs="*", metavar="NAME", help="run only these: " + ", ".join(names))
    parser.add_argument("--quick", action="store_true", help="smaller data sets (a smoke run, not the goals)")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in _names()]
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)} (choose from {', '.join(_names())})")
    failed = 0
    for name in args.names or _names():
        try:
            importlib.import_module(f"benchmarks.{name}").main(quick=args.quick)
        except Exception:  # report and go on with the others
            failed += 1
            print(f"benchmark {name} failed:", file=sys.stderr)
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
