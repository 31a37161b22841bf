"""Write a local store's municipality (in practice the demo municipality 研修市) in the interchange
layout of :mod:`app.sync.layout`, so that the whole path from a resident-record system's export to
a clerk's search is testable without real data: ``madoguchi server export-layout --from-store
demo.db OUTDIR`` writes ``SETAI.csv``, ``JUMIN.csv`` and ``CARD.csv`` (names from the layout file).

Also writes a change file (異動) on request: ``--changes N`` picks N residents deterministically and
writes them again with a new address (転居) into ``IDO-JUMIN.csv``, the shape of a later export.
Pure file writing; the store is only read. Must not import Qt.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from app.store.db import Store
from app.sync.layout import Layout, load_layout

_REMOVAL_EVENT = {"moved_out": "20", "deceased": "22", "deleted": "23", "other": "24"}
_CARD_STATUS = {"active": "1", "suspended": "2", "revoked": "3"}


def _writer(path: Path, layout: Layout, dataset: str):
    fh = path.open("w", encoding="utf-8", newline="")
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow(layout.datasets[dataset].header)
    return fh, w


def _code(layout: Layout, table: str) -> dict:
    return {v: k for k, v in layout.codes[table].items() if isinstance(v, str) and v}


def resident_values(r: dict, layout: Layout, household_codes: dict, *, event: str | None = None,
                    event_date: str | None = None) -> list:
    """One resident row of the store as the layout's items, in order."""
    w = layout.wareki
    relationship = _code(layout, "relationship")
    category = _code(layout, "foreign_category")
    if r["status"] == "removed":
        event = event or _REMOVAL_EVENT[r["removal_reason"] or "other"]
        event_date = r["removal_date"]
    values = {
        "event": event or "00", "event_date": w(event_date) if event_date else "",
        "resident_code": r["resident_code"], "my_number": r["my_number"] or "",
        "household_code": household_codes[r["household_id"]],
        "relationship": relationship.get(r["relationship"], "99"),
        "birth_date": w(r["birth_date"]), "sex": str(r["sex"]),
        "foreign_category": category.get(r["foreign_category"], "") if r["is_foreign"] else "",
        "residence_expiry": (r["residence_expiry"] or "").replace("-", ""),
    }
    for key in ("became_resident_date", "address_date", "notified_date"):
        values[key] = w(r[key]) if r[key] else ""
    sources = _code(layout, "reading_source")
    for key in ("furigana_date", "former_furigana_date"):
        values[key] = (r.get(key) or "").replace("-", "")
    for key in ("furigana_source", "former_furigana_source"):
        values[key] = sources[r[key]] if r.get(key) else ""
    items = layout.datasets["residents"].items
    return [values[i.key] if i.key in values else (r.get(i.key) or "") for i in items]


def export_store(store: Store, outdir: str | Path, *, layout: Layout | None = None,
                 changes: int = 0, seed: int = 1) -> dict[str, int]:
    """Write the store's households, residents and cards; returns rows written per file."""
    layout = layout or load_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    conn = store.conn
    counts: dict[str, int] = {}
    households = {}
    codes_of = {}
    fh, w = _writer(out / layout.datasets["households"].file, layout, "households")
    with fh:
        rows = conn.execute(
            "SELECT h.id, h.household_code, r.resident_code, h.postal_code, h.address FROM households h "
            "LEFT JOIN residents r ON r.id = h.head_id ORDER BY h.household_code").fetchall()
        for hid, code, head_code, postal, address in rows:
            households[hid] = code
            w.writerow([code, head_code or "", postal or "", address])
        counts[layout.datasets["households"].file] = len(rows)
    cur = conn.execute("SELECT * FROM residents ORDER BY household_id IS NULL, resident_code")
    names = [d[0] for d in cur.description]
    fh, w = _writer(out / layout.datasets["residents"].file, layout, "residents")
    n = 0
    with fh:
        while True:
            batch = cur.fetchmany(20000)
            if not batch:
                break
            for values in batch:
                r = dict(zip(names, values))
                codes_of[r["id"]] = r["resident_code"]
                w.writerow(resident_values(r, layout, households))
                n += 1
    counts[layout.datasets["residents"].file] = n
    fh, w = _writer(out / layout.datasets["cards"].file, layout, "cards")
    n = 0
    reasons = _code(layout, "card_reason")
    certs = _code(layout, "cert_status")
    with fh:
        for (resident_id, issued, expiry, status, status_date, reason, sign, auth) in conn.execute(
                "SELECT resident_id, issued_date, expiry_date, status, status_date, status_reason, "
                "cert_sign_status, cert_auth_status FROM cards ORDER BY resident_id, issued_date"):
            w.writerow([codes_of[resident_id], issued.replace("-", ""), expiry.replace("-", ""),
                        _CARD_STATUS[status], (status_date or "").replace("-", ""),
                        reasons.get(reason, "99") if reason else "", certs[sign], certs[auth]])
            n += 1
    counts[layout.datasets["cards"].file] = n
    if changes:
        counts.update(write_changes(store, out, changes, layout=layout, seed=seed, households=households))
    return counts


def write_changes(store: Store, outdir: Path, n: int, *, layout: Layout, seed: int,
                  households: dict) -> dict[str, int]:
    """A 異動 file: ``n`` current residents (chosen by ``seed``) moved within the municipality."""
    cur = store.conn.execute("SELECT * FROM residents WHERE status = 'active' ORDER BY resident_code")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, v)) for v in cur.fetchall()]
    picked = random.Random(seed).sample(rows, min(n, len(rows)))
    path = outdir / ("IDO-" + layout.datasets["residents"].file)
    fh, w = _writer(path, layout, "residents")
    with fh:
        for i, r in enumerate(sorted(picked, key=lambda r: r["resident_code"])):
            moved = {**r, "previous_address": r["address"],
                     "address": f"{r['address'].split('　')[0]}　異動荘{100 + i}号室",
                     "address_date": "2026-11-10", "notified_date": "2026-11-12"}
            w.writerow(resident_values(moved, layout, households, event="10", event_date="2026-11-10"))
    return {path.name: len(picked)}
