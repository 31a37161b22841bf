"""Resident data into the central server from the resident-record system's export in the
interchange layout (:mod:`app.sync.layout`): ``madoguchi server import --dsn DSN FILE… [--dry-run]``.

All or nothing: every file is read and every row checked first — the items (:mod:`app.sync.layout`),
then across rows and files and against what the server already holds:

- a key given twice (住民票コード, 世帯番号, a card's 住民票コード + 交付年月日);
- a My Number given to two persons, or held on the server by another person;
- a resident whose 世帯番号 is neither in the files nor on the server;
- a household whose 世帯主 is unknown or is registered in another household;
- a card of an unknown resident.

If any check fails nothing is written and every problem is reported by file, line and item (ja /
en). Otherwise one server transaction COPYs the rows into temporary tables and upserts them into
``households``, ``residents`` and ``cards`` by their natural keys (ids of rows already on the server
are kept; new rows get a UUID derived from the key, so the same person gets the same id on every
server). A row is updated only when one of its items differs (``IS DISTINCT FROM``), so importing
the same file twice changes nothing and a later change file (異動) touches only the persons in it;
every changed row gets a new change sequence and reaches the terminals at their next sync. The
import is recorded in ``madoguchi.imports`` (server migration 5): file names, their SHA-256, counts,
who ran it. Runs with the administrator's DSN. Must not import Qt.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psycopg

from app.store.normalize import fold_address, fold_name
from app.sync.layout import Layout, ParsedFile, Problem, load_layout, read_file
from app.sync.server_schema import CHANGE_LOCK

#: the namespace of ids derived from a natural key (uuid5)
ID_NAMESPACE = uuid.UUID("6d61646f-6775-6368-692d-696d706f7274")
_NS_BYTES = ID_NAMESPACE.bytes

ProgressFn = Callable[[str, int, int], None]

RESIDENT_COLUMNS = (
    "id", "household_id", "resident_code", "my_number", "family_name", "given_name", "family_kana",
    "given_kana", "former_surname", "former_surname_kana", "alias", "alias_kana", "name_key",
    "kana_key", "alias_key", "birth_date", "sex", "postal_code", "address", "address_key",
    "relationship", "domicile", "domicile_head", "became_resident_date", "address_date",
    "notified_date", "previous_address", "status", "removal_reason", "removal_date",
    "moved_to_address", "is_foreign", "nationality", "residence_status", "residence_period",
    "residence_expiry", "residence_card_no", "foreign_category",
    "furigana_family", "furigana_given", "furigana_date", "furigana_source",
    "former_furigana", "former_furigana_date", "former_furigana_source",
)
HOUSEHOLD_COLUMNS = ("id", "household_code", "head_id", "postal_code", "address")
CARD_COLUMNS = ("id", "resident_id", "issued_date", "expiry_date", "status", "status_date",
                "status_reason", "cert_sign_status", "cert_auth_status")


def derived_id(kind: str, key: str) -> str:
    """``uuid5(ID_NAMESPACE, "kind:key")`` as text, written out by hand (uuid.uuid5 costs ten
    times as much, and a large import derives a million of them)."""
    h = bytearray(hashlib.sha1(_NS_BYTES + f"{kind}:{key}".encode()).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


@dataclass
class ImportResult:
    files: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    rows: dict[str, int] = field(default_factory=dict)        # rows read per data set
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Known:
    """What the server already holds, by natural key (read once, before checking)."""

    def __init__(self, conn: psycopg.Connection | None, need_cards: bool):
        self.residents: dict[str, tuple[str, str | None, str | None]] = {}  # code → (id, my number, household id)
        self.by_number: dict[str, str] = {}                                # my number → code
        self.households: dict[str, str] = {}                               # code → id
        self.cards: dict[tuple[str, str], str] = {}                        # (resident id, issued) → id
        if conn is None:
            return
        for hid, code in conn.execute("SELECT id, household_code FROM madoguchi.households"):
            self.households[code] = hid
        with conn.cursor(name="known_residents") as cur:
            cur.itersize = 50000
            cur.execute("SELECT resident_code, id, my_number, household_id FROM madoguchi.residents "
                        "WHERE resident_code IS NOT NULL")
            for code, rid, number, hid in cur:
                self.residents[code] = (rid, number, hid)
                if number:
                    self.by_number[number] = code
        if need_cards:
            for cid, rid, issued in conn.execute("SELECT id, resident_id, issued_date FROM madoguchi.cards"):
                self.cards[(rid, issued)] = cid


def _natural_key(dataset: str, row: dict) -> str:
    if dataset == "cards":
        return row.resident_code + "+" + row.issued_date
    return row.household_code if dataset == "households" else row.resident_code


def _problem(pf: ParsedFile, line: int, item_key: str | None, kind: str, ja: str, en: str) -> Problem:
    item = next((i for i in pf.dataset.items if i.key == item_key), None) if item_key else None
    return Problem(Path(pf.path).name, line, item.ja if item else "", item.en if item else "", ja, en, kind)


def check_files(paths: list[str | Path], conn: psycopg.Connection | None, *, layout: Layout | None = None,
                today: _dt.date | None = None, on_progress: ProgressFn | None = None,
                max_problems: int = 1000):
    """Read and check every file; returns (parsed files, known server state, problems, error count,
    the rows by data set and natural key: key → (file, line, row))."""
    layout = layout or load_layout()
    parsed = [read_file(p, layout, today=today, on_progress=on_progress, max_problems=max_problems)
              for p in paths]
    problems: list[Problem] = []
    errors = 0
    for pf in parsed:
        problems += pf.problems
        errors += pf.error_count
    usable = [pf for pf in parsed if pf.dataset is not None]
    known = _Known(conn, any(pf.dataset.name == "cards" for pf in usable))

    def add(pf, line, key, kind, ja, en):
        nonlocal errors
        errors += 1
        if len(problems) < max_problems:
            problems.append(_problem(pf, line, key, kind, ja, en))

    # A resident file written before the official readings were added to the layout leaves them
    # as the server has them (an older 異動 file must not erase recorded readings); files of both
    # versions in one import cannot be told apart row by row, so they are imported separately.
    versions = [pf for pf in usable if pf.dataset.name == "residents"]
    for pf in versions[1:]:
        if pf.absent != versions[0].absent:
            add(pf, 1, None, "mixed_layout_versions",
                f"{Path(versions[0].path).name} と項目（振り仮名の項目の有無）が異なります。別々に取り込んでください",
                f"its items differ from {Path(versions[0].path).name} (with / without the official "
                "readings): import them separately")

    seen: dict[str, dict] = {"households": {}, "residents": {}, "cards": {}}
    numbers: dict[str, str] = {}
    for pf in usable:
        ds = pf.dataset.name
        name = Path(pf.path).name
        for row, line in zip(pf.rows, pf.lines):
            key = _natural_key(ds, row)
            first = seen[ds].get(key)
            if first is not None:
                add(pf, line, "household_code" if ds == "households" else "resident_code", "duplicate_key",
                    f"{first[0]} の {first[1]} 行目と同じ{pf.dataset.ja}が2度あります",
                    f"the same {pf.dataset.en[:-1]} is already on line {first[1]} of {first[0]}")
                continue
            seen[ds][key] = (name, line, row)
            if ds == "residents" and row.my_number:
                number = row.my_number
                other = numbers.get(number) or known.by_number.get(number)
                if other is not None and other != row.resident_code:
                    add(pf, line, "my_number", "my_number_taken",
                        "この個人番号は別の住民（別の住民票コード）に付いています",
                        "this My Number belongs to another resident (another resident-record code)")
                numbers[number] = row.resident_code
    residents, households = seen["residents"], seen["households"]
    for pf in usable:
        ds = pf.dataset.name
        for row, line in zip(pf.rows, pf.lines):
            if ds == "residents":
                code = row.household_code
                if code not in households and code not in known.households:
                    add(pf, line, "household_code", "unknown_household",
                        f"世帯番号 {code} の世帯がファイルにもサーバーにもありません",
                        f"household {code} is neither in the files nor on the server")
            elif ds == "households" and row.head_code:
                head = row.head_code
                if head in residents:
                    head_household = residents[head][2].household_code
                    if head_household != row.household_code:
                        add(pf, line, "head_code", "head_elsewhere",
                            f"世帯主が別の世帯（{head_household}）の世帯員です",
                            f"the head of household belongs to another household ({head_household})")
                elif head not in known.residents:
                    add(pf, line, "head_code", "unknown_head",
                        "世帯主の住民票コードがファイルにもサーバーにもありません",
                        "the head's resident-record code is neither in the files nor on the server")
            elif ds == "cards":
                if row.resident_code not in residents and row.resident_code not in known.residents:
                    add(pf, line, "resident_code", "card_unknown_resident",
                        "カードの住民票コードの住民がファイルにもサーバーにもありません",
                        "the card's resident-record code is neither in the files nor on the server")
    return parsed, known, problems, errors, seen


def _household_rows(households: dict, household_ids: dict, resident_ids: dict):
    for code, (_f, _l, row) in households.items():
        yield (household_ids[code], code,
               resident_ids.get(row.head_code) if row.head_code else None,
               row.postal_code, row.address)


def _resident_rows(residents: dict, resident_ids: dict, household_ids: dict, layout: Layout):
    relationship = layout.codes["relationship"]
    category = layout.codes["foreign_category"]
    events = layout.codes["event"]
    sources = layout.codes["reading_source"]
    for code, (_f, _l, r) in residents.items():
        rid = resident_ids[code]
        event = events[r.event]
        removed = event.get("status") == "removed"
        family, given = r.family_name, r.given_name or ""
        fkana, gkana = r.family_kana, r.given_kana or ""
        yield (
            rid, household_ids[r.household_code], code, r.my_number, family, given, fkana, gkana,
            r.former_surname, r.former_surname_kana, r.alias, r.alias_kana,
            fold_name(family) + fold_name(given), fold_name(fkana) + fold_name(gkana),
            fold_name(r.alias) or None, r.birth_date, int(r.sex), r.postal_code,
            r.address, fold_address(r.address), relationship[r.relationship], r.domicile,
            r.domicile_head, r.became_resident_date, r.address_date, r.notified_date,
            r.previous_address, "removed" if removed else "active",
            event.get("removal_reason") if removed else None, r.event_date if removed else None,
            r.moved_to_address, 1 if r.foreign_category else 0, r.nationality,
            r.residence_status, r.residence_period, r.residence_expiry,
            r.residence_card_no, category.get(r.foreign_category) if r.foreign_category else None,
            r.furigana_family, r.furigana_given, r.furigana_date,
            sources[r.furigana_source] if r.furigana_source else None,
            r.former_furigana, r.former_furigana_date,
            sources[r.former_furigana_source] if r.former_furigana_source else None,
        )


def _card_rows(cards: dict, known: _Known, resident_ids: dict, layout: Layout):
    status = layout.codes["card_status"]
    reason = layout.codes["card_reason"]
    cert = layout.codes["cert_status"]
    for key, (_f, _l, c) in cards.items():
        rid = resident_ids[c.resident_code]
        cid = known.cards.get((rid, c.issued_date)) or derived_id("card", key)
        yield (cid, rid, c.issued_date, c.expiry_date, status[c.status], c.status_date,
               reason.get(c.status_reason) if c.status_reason else None,
               cert[c.cert_sign_status], cert[c.cert_auth_status])


def _copy(conn: psycopg.Connection, into: str, columns: str, rows, table: str, total: int,
          on_progress: ProgressFn | None) -> int:
    done = 0
    with conn.cursor().copy(f"COPY {into} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            done += 1
            if on_progress and not done % 20000:
                on_progress(f"load {table}", done, total)
    if on_progress:
        on_progress(f"load {table}", done, total)
    return done


def _bulk_load(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows, total: int,
               on_progress: ProgressFn | None) -> int:
    """COPY into an empty table the way a restore does, inside the import's transaction (so a
    failure anywhere still leaves the server as it was): the foreign keys leaving the table, its
    unique constraints that no foreign key uses, and its plain indexes are dropped and made again
    after the load — one sort and one join instead of a million index insertions and per-row
    reference checks; the same constraints hold at the commit. The per-row change-sequence
    trigger is switched off for the load and the rows carry their numbers from a block reserved
    under the change lock (the order every other writer keeps). Needs the owner of the tables
    (the administrator who ran ``server init``)."""
    qualified = f"madoguchi.{table}"
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOCK,))
    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")      # the index builds sort in memory
    constraints = conn.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.conrelid = %s::regclass AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))",
        (qualified,)).fetchall()
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", (qualified,)).fetchall()
    triggers = [r[0] for r in conn.execute(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND p.proname = 'bump_seq'",
        (qualified,))]
    for name, _definition in constraints:
        conn.execute(f'ALTER TABLE {qualified} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        conn.execute(f"DROP INDEX {name}")
    for name in triggers:
        conn.execute(f'ALTER TABLE {qualified} DISABLE TRIGGER "{name}"')
    last = int(conn.execute("SELECT setval('madoguchi.change_seq', nextval('madoguchi.change_seq') + %s)",
                            (max(total - 1, 0),)).fetchone()[0])
    numbered = (row + (seq,) for row, seq in zip(rows, itertools.count(last - total + 1)))
    done = _copy(conn, qualified, ", ".join(columns) + ", seq", numbered, table, total, on_progress)
    for name in triggers:
        conn.execute(f'ALTER TABLE {qualified} ENABLE TRIGGER "{name}"')
    for _name, definition in indexes:
        conn.execute(definition)
    for name, definition in constraints:
        conn.execute(f'ALTER TABLE {qualified} ADD CONSTRAINT "{name}" {definition}')
    return done


def _upsert(conn: psycopg.Connection, table: str, key: str, columns: tuple[str, ...], rows,
            total: int, on_progress: ProgressFn | None) -> tuple[int, int]:
    """Insert new and update changed rows; returns (inserted, updated). Into an empty table (the
    first import) the rows are COPYed straight in; otherwise into a temporary table first, then
    merged, a row being updated only when one of its items differs."""
    cols = ", ".join(columns)
    if not conn.execute(f"SELECT EXISTS (SELECT 1 FROM madoguchi.{table})").fetchone()[0]:
        return _bulk_load(conn, table, columns, rows, total, on_progress), 0
    stage = f"import_{table}"
    conn.execute(f"CREATE TEMP TABLE {stage} (LIKE madoguchi.{table} INCLUDING DEFAULTS) ON COMMIT DROP")
    _copy(conn, stage, cols, rows, table, total, on_progress)
    updates = [c for c in columns if c != key]
    target = ", ".join(f"t.{c}" for c in updates)
    incoming = ", ".join(f"excluded.{c}" for c in updates)
    row = conn.execute(
        f"WITH up AS (INSERT INTO madoguchi.{table} AS t ({cols}) SELECT {cols} FROM {stage} "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updates)} "
        f"WHERE ({target}) IS DISTINCT FROM ({incoming}) RETURNING (xmax = 0) AS inserted) "
        f"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up").fetchone()
    return int(row[0]), int(row[1])


def import_files(dsn: str, paths: list[str | Path], *, dry_run: bool = False,
                 layout: Layout | None = None, today: _dt.date | None = None,
                 on_progress: ProgressFn | None = None, max_problems: int = 1000,
                 imported_by: str = "", connection: psycopg.Connection | None = None) -> ImportResult:
    """Check ``paths`` and, when every row is right and not ``dry_run``, load them in one
    transaction. Problems are in the result (nothing written when there is any). ``connection``
    (not in autocommit mode) is used instead of ``dsn`` when given, and left open."""
    layout = layout or load_layout()
    with _no_cycle_collection():
        if connection is None:
            with psycopg.connect(dsn, autocommit=False) as conn:
                return _import(conn, paths, dry_run, layout, today, on_progress, max_problems, imported_by)
        return _import(connection, paths, dry_run, layout, today, on_progress, max_problems, imported_by)


@contextlib.contextmanager
def _no_cycle_collection():
    """Python's cycle collector off while the rows are held: a million row tuples make every full
    collection walk them all again and again (it took 40 % of the checking time at 1,000,000
    residents); the import makes no reference cycles worth collecting before it returns."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _import(conn, paths, dry_run, layout, today, on_progress, max_problems, imported_by) -> ImportResult:
    result = ImportResult()
    parsed, known, problems, errors, by_set = check_files(
        paths, conn, layout=layout, today=today, on_progress=on_progress, max_problems=max_problems)
    result.problems, result.error_count = problems, errors
    for pf in parsed:
        digest = hashlib.sha256(Path(pf.path).read_bytes()).hexdigest() if Path(pf.path).is_file() else ""
        result.files.append({"file": Path(pf.path).name, "dataset": pf.dataset.name if pf.dataset else None,
                             "rows": len(pf.rows), "sha256": digest})
        if pf.dataset is not None:
            result.rows[pf.dataset.name] = result.rows.get(pf.dataset.name, 0) + len(pf.rows)
    if not result.ok or dry_run:
        conn.rollback()
        return result
    households, residents, cards = by_set["households"], by_set["residents"], by_set["cards"]
    household_ids = {code: hid for code, hid in known.households.items()}
    household_ids.update({code: household_ids.get(code) or derived_id("household", code)
                          for code in households})
    resident_ids = {code: v[0] for code, v in known.residents.items()}
    resident_ids.update({code: resident_ids.get(code) or derived_id("resident", code)
                         for code in residents})
    # columns an older file does not have are left as the server holds them
    absent = next((pf.absent for pf in parsed if pf.dataset is not None and pf.dataset.name == "residents"), ())
    kept = [i for i, c in enumerate(RESIDENT_COLUMNS) if c not in absent]
    steps = (
        ("households", "household_code", HOUSEHOLD_COLUMNS, households,
         lambda: _household_rows(households, household_ids, resident_ids)),
        ("residents", "resident_code", tuple(RESIDENT_COLUMNS[i] for i in kept), residents,
         lambda: (tuple(row[i] for i in kept) if absent else row
                  for row in _resident_rows(residents, resident_ids, household_ids, layout))),
        ("cards", "id", CARD_COLUMNS, cards, lambda: _card_rows(cards, known, resident_ids, layout)),
    )
    for table, key, columns, rows, make in steps:
        if not rows:
            continue
        ins, upd = _upsert(conn, table, key, columns, make(), len(rows), on_progress)
        result.inserted[table], result.updated[table] = ins, upd
        result.unchanged[table] = len(rows) - ins - upd
    conn.execute(
        "INSERT INTO madoguchi.imports (files, rows, inserted, updated, imported_by, layout) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (psycopg.types.json.Jsonb(result.files), psycopg.types.json.Jsonb(result.rows),
         psycopg.types.json.Jsonb(result.inserted), psycopg.types.json.Jsonb(result.updated),
         imported_by, layout.citation))
    conn.commit()
    result.written = True
    return result
