"""Madoguchi (窓口): the counter terminal for My Number cards and resident records.

The import package is ``app``. Layers (see docs/ARCHITECTURE.md): ``app.ui`` (the only place Qt
is imported) → ``app.workflows`` → ``app.rules``, ``app.security``, ``app.store``, ``app.card``,
``app.printing``, ``app.sync``.
"""

__version__ = "0.1.0"
