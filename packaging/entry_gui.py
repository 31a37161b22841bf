"""Entry script of the frozen ``madoguchi-gui`` program (PyInstaller, no console window): the
counter window, the same as the ``madoguchi-gui`` script of the Python package.

Only starts ``app.ui.main.main``; it must not hold any logic of its own. While a build has no
``app.ui`` (early in development) it falls back to the command line, which says so clearly.
"""

try:
    from app.ui.main import main
except ModuleNotFoundError as exc:  # pragma: no cover - only in a build without the UI
    if not (exc.name or "").startswith("app.ui"):
        raise
    from app.cli import main

raise SystemExit(main())
