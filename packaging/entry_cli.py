"""Entry script of the frozen ``madoguchi`` console program (PyInstaller): the command line.

Only starts ``app.cli.main``; it must not hold any logic of its own, so the frozen program and
``python -m app`` behave the same.
"""

from app.cli import main

raise SystemExit(main())
