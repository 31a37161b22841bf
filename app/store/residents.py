"""Writing resident rows so that search finds them: the search-key columns are derived here from
the stored originals (app.store.normalize), never typed by hand.

Owns :func:`with_search_keys` (a row dict → the same row with every key column filled) and
:func:`refresh_search_keys` (recompute all keys, after a change of the folding rules or in a
migration). Does not decide who may see a resident; that is app.security's.
"""

from __future__ import annotations

import sqlite3

from app.store.normalize import resident_search_keys

KEY_COLUMNS = ("name_key", "kana_key", "alias_key", "alias_kana_key", "former_key",
               "former_kana_key", "address_key")
#: keys of the official readings (app.store.furigana), from the store schema that added them
FURIGANA_KEY_COLUMNS = ("furigana_key", "former_furigana_key")
_READING_COLUMNS = ("furigana_family", "furigana_given", "former_furigana")


def with_search_keys(row: dict) -> dict:
    """``row`` (column → value) with the search-key columns computed from its name, kana,
    alias, former surname and address."""
    keys = resident_search_keys(
        row["family_name"], row["given_name"], row["family_kana"], row["given_kana"], row["address"],
        alias=row.get("alias"), alias_kana=row.get("alias_kana"),
        former_surname=row.get("former_surname"), former_surname_kana=row.get("former_surname_kana"),
        **{c: row.get(c) for c in _READING_COLUMNS},
    )
    return {**row, **keys}


def insert_resident(conn: sqlite3.Connection, row: dict) -> None:
    """Insert one resident (inside the caller's transaction), keys filled."""
    full = with_search_keys(row)
    columns = ", ".join(full)
    marks = ", ".join("?" for _ in full)
    conn.execute(f"INSERT INTO residents ({columns}) VALUES ({marks})", tuple(full.values()))


def refresh_search_keys(conn: sqlite3.Connection, batch: int = 5000) -> int:
    """Recompute the search keys of every resident; returns how many rows changed. (A store older
    than the official readings' migration has neither the readings nor their keys.)"""
    changed = 0
    present = {r[1] for r in conn.execute("PRAGMA table_info(residents)")}
    readings = _READING_COLUMNS if "furigana_key" in present else ()
    columns = KEY_COLUMNS + (FURIGANA_KEY_COLUMNS if readings else ())
    cursor = conn.execute(
        "SELECT rowid, family_name, given_name, family_kana, given_kana, address, alias, alias_kana, "
        "former_surname, former_surname_kana, " + "".join(f"{c}, " for c in readings)
        + ", ".join(columns) + " FROM residents")
    first_key = 10 + len(readings)
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            break
        updates = []
        for r in rows:
            keys = resident_search_keys(r[1], r[2], r[3], r[4], r[5], alias=r[6], alias_kana=r[7],
                                        former_surname=r[8], former_surname_kana=r[9],
                                        **dict(zip(readings, r[10:first_key])))
            new = tuple(keys[c] for c in columns)
            if new != tuple(r[first_key:]):
                updates.append((*new, r[0]))
        if updates:
            conn.executemany(
                "UPDATE residents SET " + ", ".join(f"{c} = ?" for c in columns) + " WHERE rowid = ?",
                updates)
            changed += len(updates)
    return changed


def rebuild_address_index(conn: sqlite3.Connection) -> int:
    """The address-fragment index (``addresses`` + its trigram ``address_fts``) rebuilt from the
    residents' current address keys: after keys were recomputed with new folding rules, the old
    folded forms would otherwise stay in the index. Returns the number of distinct addresses."""
    conn.execute("DELETE FROM addresses")
    conn.execute("INSERT INTO address_fts(address_fts) VALUES ('delete-all')")
    conn.execute("INSERT INTO addresses(address_key) SELECT DISTINCT address_key FROM residents "
                 "ORDER BY address_key")
    return conn.execute("SELECT count(*) FROM addresses").fetchone()[0]


def refold_addresses(conn: sqlite3.Connection) -> int:
    """Only the address keys recomputed (by the store's own folding function, in SQL), then the
    address index rebuilt: the migration after a change of the address fold alone. Returns the
    number of residents whose key changed."""
    changed = conn.execute("UPDATE residents SET address_key = madoguchi_fold_address(address) "
                           "WHERE address_key IS NOT madoguchi_fold_address(address)").rowcount
    rebuild_address_index(conn)
    return changed


def reindex(conn: sqlite3.Connection) -> int:
    """Every search key recomputed and the address index rebuilt (``store reindex``, and the
    migration that follows a change of the folding rules); the number of residents changed."""
    changed = refresh_search_keys(conn)
    rebuild_address_index(conn)
    return changed
