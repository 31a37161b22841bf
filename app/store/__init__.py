"""The local store: one SQLite file per terminal, opened through :func:`open_store`.

Owns the schema and its migrations (``app.store.schema``), the domain tables, resident search and
the demo municipality. Knows nothing of Qt, cards or printing.
"""

from app.store.db import (
    LATEST_VERSION,
    NewerStoreError,
    NotAStoreError,
    Store,
    StoreError,
    StoreNotFoundError,
    new_id,
    now_iso,
    open_store,
)

__all__ = [
    "LATEST_VERSION",
    "NewerStoreError",
    "NotAStoreError",
    "Store",
    "StoreError",
    "StoreNotFoundError",
    "new_id",
    "now_iso",
    "open_store",
]
