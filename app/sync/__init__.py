"""Sync with the office's central PostgreSQL server (本庁の中央ストア).

Owns the central schema and its migrations (``server_schema``), pushing the local outbox
(``push``), pulling master data and sign-off traffic by the server's change sequence (``pull``),
the fail-closed rule for stale support-measure data (``freshness``), the background service and
its status (``service``) and the ``madoguchi sync`` / ``madoguchi server`` commands (``cli``).

Must not import Qt; must never write a password to a file, the store or a log (the database
password lives in the OS keyring, ``credentials``).
"""
