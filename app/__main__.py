"""``python -m app`` is the same as the ``madoguchi`` command."""

from app.cli import main

raise SystemExit(main())
