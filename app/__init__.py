"""Madoguchi (窓口): the counter terminal for My Number cards and resident records.

The import package is ``app``. Layers (see docs/ARCHITECTURE.md; checked by import-linter):
``app.ui`` (the only place Qt is imported) → ``app.desk`` → ``app.printing``, ``app.sync`` →
``app.workflows`` → ``app.security`` → ``app.rules``, ``app.store`` → ``app.card`` → the ground
floor (``config``, ``ids``, ``era``, ``logs``, ``paths``, ``errors``).
"""

__version__ = "0.1.0"
