"""The store's schema as an ordered list of migrations. Append only: never edit a migration that
has shipped; add a new one with the next version number.

Sync from day one: every row that may leave the terminal (or come down from the central server)
has a stable UUID ``id``. Rows that come down carry the server's change sequence in ``seq``.
Rows the terminal writes for the server (case events, releases, audit entries) are queued in
``outbox`` in the same transaction that writes them. Cases are append-only events
(``case_events``) plus views of their current state.

The My Number (``residents.my_number``) is special personal information: it is stored because the
resident record holds it, but it is never logged and is masked in every display by default.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Callable

from app.store import furigana as _furigana

#: PRAGMA application_id of a Madoguchi store ('MADO'): tells our files from other SQLite files.
APPLICATION_ID = 0x4D41444F


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        # executescript() would COMMIT the surrounding transaction; run statement by statement.
        for statement in _split(sql):
            conn.execute(statement)

    return apply


def _split(sql: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements, buf = [], []
    for line in sql.splitlines():
        if not line.strip() or line.strip().startswith("--"):
            continue
        buf.append(line)
        text = "\n".join(buf)
        if sqlite3.complete_statement(text):
            statements.append(text)
            buf = []
    if buf and "\n".join(buf).strip():
        raise ValueError("incomplete SQL statement in migration: " + "\n".join(buf)[:200])
    return statements


V1_CORE = """
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL              -- JSON
);

-- 世帯 households
CREATE TABLE households (
    id              TEXT PRIMARY KEY,
    household_code  TEXT NOT NULL UNIQUE,   -- 世帯番号
    head_id         TEXT,                   -- resident id of the head (世帯主)
    postal_code     TEXT,
    address         TEXT NOT NULL,          -- 住所, 丁目-番-号 form
    seq             INTEGER NOT NULL DEFAULT 0
);

-- 住民 residents (current and removed records, 除票)
CREATE TABLE residents (
    id                   TEXT PRIMARY KEY,
    household_id         TEXT REFERENCES households(id),
    resident_code        TEXT UNIQUE,        -- 住民票コード, 11 digits
    my_number            TEXT UNIQUE,        -- 個人番号, 12 digits (never logged, masked on display)
    family_name          TEXT NOT NULL,
    given_name           TEXT NOT NULL,
    family_kana          TEXT NOT NULL,      -- katakana
    given_kana           TEXT NOT NULL,
    former_surname       TEXT,               -- 旧氏
    former_surname_kana  TEXT,
    alias                TEXT,               -- 通称 (foreign residents)
    alias_kana           TEXT,
    name_key             TEXT NOT NULL,      -- folded name for search (no spaces, NFKC)
    kana_key             TEXT NOT NULL,      -- folded katakana for search
    alias_key            TEXT,
    birth_date           TEXT NOT NULL,      -- ISO date, Western calendar
    sex                  INTEGER NOT NULL CHECK (sex IN (1, 2, 9)),  -- 1 male, 2 female, 9 n/a
    postal_code          TEXT,
    address              TEXT NOT NULL,
    address_key          TEXT NOT NULL,      -- folded address for fragment search
    relationship         TEXT,               -- 続柄 to the head of household
    domicile             TEXT,               -- 本籍 (Japanese nationals)
    domicile_head        TEXT,               -- 筆頭者
    became_resident_date TEXT,               -- 住民となった年月日
    address_date         TEXT,               -- 住所を定めた年月日
    notified_date        TEXT,               -- 届出年月日
    previous_address     TEXT,               -- 前住所
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    removal_reason       TEXT CHECK (removal_reason IS NULL OR removal_reason IN
                              ('moved_out', 'deceased', 'deleted', 'other')),
    removal_date         TEXT,
    moved_to_address     TEXT,               -- 転出先 (moved out)
    is_foreign           INTEGER NOT NULL DEFAULT 0,
    nationality          TEXT,               -- 国籍・地域
    residence_status     TEXT,               -- 在留資格
    residence_period     TEXT,               -- 在留期間
    residence_expiry     TEXT,               -- 在留期間の満了の日
    residence_card_no    TEXT,               -- 在留カード等の番号
    foreign_category     TEXT,               -- 中長期在留者 / 特別永住者 / ...
    seq                  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_name_key ON residents(name_key);
CREATE INDEX residents_kana_key ON residents(kana_key);
CREATE INDEX residents_alias_key ON residents(alias_key) WHERE alias_key IS NOT NULL;
CREATE INDEX residents_birth ON residents(birth_date, sex);

-- マイナンバーカード
CREATE TABLE cards (
    id                 TEXT PRIMARY KEY,
    resident_id        TEXT NOT NULL REFERENCES residents(id),
    issued_date        TEXT NOT NULL,
    expiry_date        TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    status_date        TEXT,
    status_reason      TEXT,                 -- e.g. 'lost' (紛失), 'returned', 'reissued'
    cert_sign_status   TEXT NOT NULL DEFAULT 'valid'
                       CHECK (cert_sign_status IN ('valid', 'held', 'revoked', 'expired', 'none')),
    cert_auth_status   TEXT NOT NULL DEFAULT 'valid'
                       CHECK (cert_auth_status IN ('valid', 'held', 'revoked', 'expired', 'none')),
    locked_pins        TEXT NOT NULL DEFAULT '[]', -- JSON list of secrets known locked ('auth', ...)
    card_file          TEXT,                 -- training only: the test card's file
    seq                INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cards_resident ON cards(resident_id);

-- 交付申請 (for the application-status inquiry)
CREATE TABLE card_applications (
    id              TEXT PRIMARY KEY,
    resident_id     TEXT NOT NULL REFERENCES residents(id),
    application_id  TEXT NOT NULL UNIQUE,    -- 申請書ID, 23 digits
    received_date   TEXT NOT NULL,
    status          TEXT NOT NULL,           -- received / checking / producing / sent_to_municipality / ready / handed_over / rejected
    status_date     TEXT NOT NULL,
    seq             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX card_applications_resident ON card_applications(resident_id);

-- DV等支援措置 support measures. There is deliberately no column for the perpetrator's phone.
CREATE TABLE support_measures (
    id                        TEXT PRIMARY KEY,
    target_id                 TEXT NOT NULL REFERENCES residents(id),  -- 支援対象者
    kind                      TEXT NOT NULL CHECK (kind IN ('dv', 'stalking', 'child_abuse', 'other')),
    status                    TEXT NOT NULL CHECK (status IN ('provisional', 'active', 'ended')),
    applied_date              TEXT NOT NULL,
    start_date                TEXT,
    end_date                  TEXT,
    ended_date                TEXT,
    ended_reason              TEXT,
    former_municipality       INTEGER NOT NULL DEFAULT 0,  -- provisional as former municipality after a move
    counselling_body          TEXT,
    perpetrator_family_name   TEXT,
    perpetrator_given_name    TEXT,
    perpetrator_family_kana   TEXT,
    perpetrator_given_kana    TEXT,
    perpetrator_birth_date    TEXT,
    perpetrator_address       TEXT,
    perpetrator_relationship  TEXT,
    perpetrator_resident_id   TEXT REFERENCES residents(id),   -- when the perpetrator lives here
    perpetrator_lawyer_name   TEXT,
    perpetrator_lawyer_office TEXT,
    seq                       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX support_measures_target ON support_measures(target_id);

-- protected household members covered by a measure (併せて支援を求める者)
CREATE TABLE support_measure_members (
    measure_id   TEXT NOT NULL REFERENCES support_measures(id),
    resident_id  TEXT NOT NULL REFERENCES residents(id),
    PRIMARY KEY (measure_id, resident_id)
);
CREATE INDEX support_measure_members_resident ON support_measure_members(resident_id);

-- 転送 forwarding of a measure to/from related municipalities
CREATE TABLE support_forwardings (
    id             TEXT PRIMARY KEY,
    measure_id     TEXT NOT NULL REFERENCES support_measures(id),
    direction      TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
    municipality   TEXT NOT NULL,
    reason         TEXT,                   -- 本籍地 / 転出先 / 転入元 ...
    sent_date      TEXT,
    received_date  TEXT,                   -- receipt recorded by the receiving side
    seq            INTEGER NOT NULL DEFAULT 0
);

-- 職員 staff accounts; roles is a JSON list of 'clerk', 'support_officer', 'administrator'
CREATE TABLE staff (
    id               TEXT PRIMARY KEY,
    login            TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    roles            TEXT NOT NULL DEFAULT '["clerk"]',
    password_hash    TEXT,
    card_cert        BLOB,                  -- DER of the staff member's own user-authentication cert
    disabled         INTEGER NOT NULL DEFAULT 0,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    created_at       TEXT NOT NULL,
    seq              INTEGER NOT NULL DEFAULT 0
);

-- 案件 cases: an immutable header plus append-only events
CREATE TABLE cases (
    id           TEXT PRIMARY KEY,
    case_type    TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    opened_by    TEXT NOT NULL REFERENCES staff(id),
    opened_at    TEXT NOT NULL
);
CREATE TABLE case_events (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    n            INTEGER NOT NULL,          -- order within the case, from 1
    at           TEXT NOT NULL,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    terminal_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    step         TEXT,
    payload      TEXT NOT NULL DEFAULT '{}', -- JSON
    UNIQUE (case_id, n)
);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;

-- rows written here for the central server, in the same transaction that wrote them
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,             -- 'case', 'case_event', 'release', 'audit', ...
    row_id      TEXT NOT NULL,
    payload     TEXT NOT NULL,             -- JSON of the row as written
    created_at  TEXT NOT NULL,
    pushed_at   TEXT,
    UNIQUE (kind, row_id)
);

CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"""

# Case queue (app.workflows): the current status and step of every case, derived from its events.
# A status-changing event carries "status" in its payload; the step of the last event is where the
# case stands (navigation events carry their destination).
V2_CASE_QUEUE = """
CREATE VIEW case_queue AS
SELECT c.id AS case_id, c.case_type, c.terminal_id, c.opened_by, c.opened_at,
       COALESCE((SELECT json_extract(e.payload, '$.status') FROM case_events e
                 WHERE e.case_id = c.id AND json_extract(e.payload, '$.status') IS NOT NULL
                 ORDER BY e.n DESC LIMIT 1), 'open') AS status,
       (SELECT e.step FROM case_events e WHERE e.case_id = c.id ORDER BY e.n DESC LIMIT 1) AS step,
       COALESCE((SELECT e.at FROM case_events e WHERE e.case_id = c.id ORDER BY e.n DESC LIMIT 1),
                c.opened_at) AS updated_at,
       COALESCE((SELECT e.staff_id FROM case_events e WHERE e.case_id = c.id ORDER BY e.n DESC LIMIT 1),
                c.opened_by) AS updated_by
FROM cases c;
"""

MIGRATIONS: list[Migration] = [
    Migration(1, "core tables", _script(V1_CORE)),
    Migration(2, "case queue view", _script(V2_CASE_QUEUE)),
]


def _third_person(handled: str = "", words: str = "") -> str:
    """The store's guard that a re-lock is confirmed by a third person, after the re-lock
    (``handled``: more people who may not confirm; migration 14 adds the opener and anyone with
    an event of the case, as the engine and the server count them)."""
    return f"""CREATE TRIGGER release_events_confirm_third_person BEFORE INSERT ON release_events
WHEN NEW.kind = 'relock_confirmed' AND (
     NEW.staff_id IN (SELECT officer_id FROM releases WHERE id = NEW.release_id)
  OR NEW.staff_id IN (SELECT handling_staff_id FROM releases WHERE id = NEW.release_id)
  OR NEW.staff_id IN (SELECT staff_id FROM release_events
                      WHERE release_id = NEW.release_id AND kind = 'relocked'){handled}
  OR NOT EXISTS (SELECT 1 FROM release_events WHERE release_id = NEW.release_id AND kind = 'relocked'))
BEGIN SELECT RAISE(ABORT, 'the re-lock is confirmed by a third person{words}, after the re-lock'); END;
"""


# Security (app/security): staff account additions, the store's monotonic clock, the append-only
# hash-chained audit log, two-person releases of DV restrictions and their life-cycle events, and
# support-measure additions. The database itself refuses what a modified client could skip: a
# release whose officer is the handling clerk (or the case's opener), an audit or release row
# changed or deleted, a DV restriction set to the "alert" level.
V3_SECURITY = """
ALTER TABLE staff ADD COLUMN employee_no TEXT;           -- 職員番号: one account per person
ALTER TABLE staff ADD COLUMN card_cert_sha256 TEXT;      -- fingerprint of card_cert (one account per card)
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN password_changed_at TEXT;
CREATE UNIQUE INDEX staff_employee_no ON staff(employee_no) WHERE employee_no IS NOT NULL;
CREATE UNIQUE INDEX staff_card_cert ON staff(card_cert_sha256) WHERE card_cert_sha256 IS NOT NULL;

-- The store's own clock: the latest wall time any security operation saw (never goes back) and a
-- counter of operations. A clock moved backwards cannot extend a release.
CREATE TABLE store_clock (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    high_water  TEXT NOT NULL,
    tick        INTEGER NOT NULL
);

-- 監査ログ: append-only, each entry holds the previous entry's hash and its own SHA-256 over
-- canonical JSON of all other fields. Never a PIN or a My Number in it.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,      -- 1, 2, 3 ... without gaps
    id           TEXT NOT NULL UNIQUE,
    at           TEXT NOT NULL,
    tick         INTEGER NOT NULL,
    staff_id     TEXT,                     -- operator (NULL: unknown login, system)
    terminal_id  TEXT NOT NULL,
    action       TEXT NOT NULL,            -- e.g. 'signin.ok', 'restriction.block', 'release.grant'
    target_kind  TEXT,                     -- 'resident', 'staff', 'case', 'release', 'setting', ...
    target_id    TEXT,
    case_id      TEXT,
    detail       TEXT NOT NULL DEFAULT '{}',  -- JSON
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_target ON audit_log(target_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- 一時解除 two-person release (or the officer's refusal) of a DV restriction, bound to one case,
-- the exact persons, the document types and the digest of the request as it stood.
CREATE TABLE releases (
    id                 TEXT PRIMARY KEY,
    case_id            TEXT NOT NULL REFERENCES cases(id),
    handling_staff_id  TEXT NOT NULL REFERENCES staff(id),
    officer_id         TEXT NOT NULL REFERENCES staff(id),
    terminal_id        TEXT NOT NULL,
    decision           TEXT NOT NULL CHECK (decision IN ('released', 'refused')),
    persons            TEXT NOT NULL,      -- JSON sorted list of resident ids in scope
    protected          TEXT NOT NULL,      -- JSON sorted list of the protected ones among them
    documents          TEXT NOT NULL,      -- JSON sorted list of document types
    scope_digest       TEXT NOT NULL,
    reason             TEXT,               -- the officer's reason (required for a refusal)
    checklist          TEXT NOT NULL DEFAULT '{}',  -- JSON: what the officer confirmed
    auth_method        TEXT NOT NULL CHECK (auth_method IN ('password', 'card')),
    issued_at          TEXT NOT NULL,
    issued_tick        INTEGER NOT NULL,
    issued_mono        REAL,               -- monotonic clock at issue (same boot only)
    boot_id            TEXT,
    expires_at         TEXT NOT NULL,
    seq                INTEGER NOT NULL DEFAULT 0,
    CHECK (officer_id <> handling_staff_id),
    CHECK (decision = 'released' OR (reason IS NOT NULL AND length(trim(reason)) > 0))
);
CREATE INDEX releases_case ON releases(case_id);
CREATE TRIGGER releases_officer_not_clerk BEFORE INSERT ON releases
WHEN NEW.officer_id = NEW.handling_staff_id
  OR NEW.officer_id = (SELECT opened_by FROM cases WHERE id = NEW.case_id)
BEGIN SELECT RAISE(ABORT, 'the releasing officer cannot be the handling clerk'); END;
CREATE TRIGGER releases_officer_role BEFORE INSERT ON releases
WHEN NOT EXISTS (SELECT 1 FROM staff s, json_each(s.roles) r
                 WHERE s.id = NEW.officer_id AND s.disabled = 0 AND r.value = 'support_officer')
BEGIN SELECT RAISE(ABORT, 'only an enabled support officer can release or refuse'); END;
CREATE TRIGGER releases_no_update BEFORE UPDATE ON releases
BEGIN SELECT RAISE(ABORT, 'releases are append-only'); END;
CREATE TRIGGER releases_no_delete BEFORE DELETE ON releases
BEGIN SELECT RAISE(ABORT, 'releases are append-only'); END;

-- What happened to a release afterwards: used (once), voided (request changed), relocked by the
-- officer, relock confirmed by a third person.
CREATE TABLE release_events (
    id           TEXT PRIMARY KEY,
    release_id   TEXT NOT NULL REFERENCES releases(id),
    kind         TEXT NOT NULL CHECK (kind IN ('used', 'voided', 'relocked', 'relock_confirmed')),
    at           TEXT NOT NULL,
    tick         INTEGER NOT NULL,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    terminal_id  TEXT NOT NULL,
    note         TEXT,
    seq          INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX release_events_once ON release_events(release_id, kind);
CREATE TRIGGER release_events_use_open_only BEFORE INSERT ON release_events
WHEN NEW.kind = 'used' AND (
     (SELECT decision FROM releases WHERE id = NEW.release_id) <> 'released'
  OR EXISTS (SELECT 1 FROM release_events WHERE release_id = NEW.release_id
             AND kind IN ('voided', 'relocked')))
BEGIN SELECT RAISE(ABORT, 'this release is no longer open'); END;
{third_person}CREATE TRIGGER release_events_no_update BEFORE UPDATE ON release_events
BEGIN SELECT RAISE(ABORT, 'release events are append-only'); END;
CREATE TRIGGER release_events_no_delete BEFORE DELETE ON release_events
BEGIN SELECT RAISE(ABORT, 'release events are append-only'); END;

-- Support measures: every DV-type restriction blocks (level 'error'); 'alert' is refused here.
ALTER TABLE support_measures ADD COLUMN level TEXT NOT NULL DEFAULT 'error' CHECK (level = 'error');
ALTER TABLE support_measures ADD COLUMN renewed_from TEXT REFERENCES support_measures(id);
ALTER TABLE support_measures ADD COLUMN decided_by TEXT REFERENCES staff(id);
ALTER TABLE support_measures ADD COLUMN scope TEXT NOT NULL DEFAULT 'all'; -- processes blocked
CREATE TRIGGER support_measures_no_alert BEFORE UPDATE OF level ON support_measures
WHEN NEW.level <> 'error'
BEGIN SELECT RAISE(ABORT, 'a DV support-measure restriction cannot be set to alert only'); END;
ALTER TABLE support_forwardings ADD COLUMN recorded_by TEXT REFERENCES staff(id);
ALTER TABLE support_forwardings ADD COLUMN receipt_note TEXT;
"""

MIGRATIONS.append(Migration(3, "security: audit log, releases, staff and measure additions",
                            _script(V3_SECURITY.replace("{third_person}", _third_person()))))


# Printing (app.printing): issue numbers and the issuance history.
V4_ISSUANCE = """
-- 交付番号の連番: one counter per office and terminal; the issue number carries both, so it is
-- unique across the municipality.
CREATE TABLE issue_counters (
    office_code  TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    last_serial  INTEGER NOT NULL,
    PRIMARY KEY (office_code, terminal_id)
);

-- 交付履歴 issuance history: time, place, target, items, pages, issue number, terminal, user.
-- Append-only, like case events.
CREATE TABLE issued_documents (
    id             TEXT PRIMARY KEY,
    issue_number   TEXT NOT NULL UNIQUE,
    issued_at      TEXT NOT NULL,
    office_code    TEXT NOT NULL,
    office_name    TEXT NOT NULL,          -- place
    terminal_id    TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff(id),
    case_id        TEXT REFERENCES cases(id),
    document_type  TEXT NOT NULL,          -- DocumentType code, or 'cover_letter'
    target_ids     TEXT NOT NULL,          -- JSON list of resident ids
    items          TEXT NOT NULL,          -- JSON list of Item codes printed
    pages          INTEGER NOT NULL,
    delivery       TEXT NOT NULL DEFAULT 'counter',
    training       INTEGER NOT NULL DEFAULT 0,
    sha256         TEXT NOT NULL,          -- of the PDF as issued
    seq            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX issued_documents_case ON issued_documents(case_id);
CREATE INDEX issued_documents_time ON issued_documents(issued_at);
CREATE TRIGGER issued_documents_no_update BEFORE UPDATE ON issued_documents
BEGIN SELECT RAISE(ABORT, 'issuance history is append-only'); END;
CREATE TRIGGER issued_documents_no_delete BEFORE DELETE ON issued_documents
BEGIN SELECT RAISE(ABORT, 'issuance history is append-only'); END;
"""

MIGRATIONS.append(Migration(4, "printing: issue numbers and issuance history", _script(V4_ISSUANCE)))


# Search support: alternative name keys (alias kana, former surname), and address-fragment search
# through a trigram index over the distinct folded addresses. ``addresses`` has an INTEGER PRIMARY
# KEY so that VACUUM never renumbers the rows the FTS index points at. Triggers keep both in step
# with every resident written; the name keys themselves are computed by the writer
# (app.store.normalize.resident_search_keys), since SQL cannot fold kana.
V5_SEARCH = """
ALTER TABLE residents ADD COLUMN alias_kana_key TEXT;
ALTER TABLE residents ADD COLUMN former_key TEXT;
ALTER TABLE residents ADD COLUMN former_kana_key TEXT;
CREATE INDEX residents_alias_kana_key ON residents(alias_kana_key) WHERE alias_kana_key IS NOT NULL;
CREATE INDEX residents_former_key ON residents(former_key) WHERE former_key IS NOT NULL;
CREATE INDEX residents_former_kana_key ON residents(former_kana_key) WHERE former_kana_key IS NOT NULL;
CREATE INDEX residents_address_key ON residents(address_key);
CREATE INDEX support_measures_perpetrator ON support_measures(perpetrator_resident_id)
    WHERE perpetrator_resident_id IS NOT NULL;
CREATE TABLE addresses (
    id           INTEGER PRIMARY KEY,
    address_key  TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE address_fts USING fts5(
    address_key, content='addresses', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER residents_address_ai AFTER INSERT ON residents
BEGIN INSERT OR IGNORE INTO addresses(address_key) VALUES (NEW.address_key); END;
CREATE TRIGGER residents_address_au AFTER UPDATE OF address_key ON residents
BEGIN INSERT OR IGNORE INTO addresses(address_key) VALUES (NEW.address_key); END;
CREATE TRIGGER addresses_fts_ai AFTER INSERT ON addresses
BEGIN INSERT INTO address_fts(rowid, address_key) VALUES (NEW.id, NEW.address_key); END;
"""


def _v5_search(conn: sqlite3.Connection) -> None:
    _script(V5_SEARCH)(conn)
    from app.store.residents import refresh_search_keys  # rows a v1 store already holds

    refresh_search_keys(conn)
    conn.execute("INSERT OR IGNORE INTO addresses(address_key) "
                 "SELECT address_key FROM residents ORDER BY address_key")


MIGRATIONS.append(Migration(5, "search keys and address index", _v5_search))


# Case heads (app.workflows): the queue needs the current status and step of every case without
# replaying events. ``case_heads`` is derived from ``case_events`` by triggers (local only, never
# synced: every terminal derives it from the events it has). An event arriving out of order (sync)
# recomputes the status from the events. ``case_queue`` keeps its columns and reads the heads.
V6_CASE_HEADS = """
CREATE TABLE case_heads (
    case_id     TEXT PRIMARY KEY REFERENCES cases(id),
    status      TEXT NOT NULL,
    step        TEXT,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    last_n      INTEGER NOT NULL
);
CREATE INDEX case_heads_status ON case_heads(status, updated_at);
CREATE TRIGGER case_events_head_in_order AFTER INSERT ON case_events
WHEN NOT EXISTS (SELECT 1 FROM case_heads WHERE case_id = NEW.case_id AND last_n > NEW.n)
BEGIN
    INSERT INTO case_heads(case_id, status, step, updated_at, updated_by, last_n)
    VALUES (NEW.case_id, COALESCE(json_extract(NEW.payload, '$.status'), 'open'), NEW.step, NEW.at,
            NEW.staff_id, NEW.n)
    ON CONFLICT(case_id) DO UPDATE SET
        status = COALESCE(json_extract(NEW.payload, '$.status'), case_heads.status),
        step = NEW.step, updated_at = NEW.at, updated_by = NEW.staff_id, last_n = NEW.n;
END;
CREATE TRIGGER case_events_head_out_of_order AFTER INSERT ON case_events
WHEN EXISTS (SELECT 1 FROM case_heads WHERE case_id = NEW.case_id AND last_n > NEW.n)
BEGIN
    UPDATE case_heads SET status = COALESCE(
        (SELECT json_extract(e.payload, '$.status') FROM case_events e
         WHERE e.case_id = NEW.case_id AND json_extract(e.payload, '$.status') IS NOT NULL
         ORDER BY e.n DESC LIMIT 1), 'open')
    WHERE case_id = NEW.case_id;
END;
INSERT INTO case_heads(case_id, status, step, updated_at, updated_by, last_n)
SELECT q.case_id, q.status, q.step, q.updated_at, q.updated_by,
       (SELECT max(n) FROM case_events e WHERE e.case_id = q.case_id)
FROM case_queue q WHERE EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = q.case_id);
DROP VIEW case_queue;
CREATE VIEW case_queue AS
SELECT c.id AS case_id, c.case_type, c.terminal_id, c.opened_by, c.opened_at,
       h.status, h.step, h.updated_at, h.updated_by
FROM case_heads h JOIN cases c ON c.id = h.case_id;
"""

MIGRATIONS.append(Migration(6, "case heads for the queue", _script(V6_CASE_HEADS)))


# Search keys kept right by the store itself: whatever code writes a resident (sync, a test, the
# printing samples), the keys are recomputed from the stored originals by triggers that call the
# folding functions every Store connection registers (app.store.db._register_functions). The
# address trigger of migration 5 fires on the recomputed key, so it no longer needs its own
# insert trigger. The name indexes become composite. (A connection without those functions, e.g. the sqlite3 shell, cannot write
# residents' names or addresses: by design, writes go through the application.)
_KEY_UPDATE = """    UPDATE residents SET
        name_key = coalesce(madoguchi_fold_name(NEW.family_name), '') || coalesce(madoguchi_fold_name(NEW.given_name), ''),
        kana_key = coalesce(madoguchi_fold_name(NEW.family_kana), '') || coalesce(madoguchi_fold_name(NEW.given_kana), ''),
        alias_key = madoguchi_fold_name(NEW.alias),
        alias_kana_key = madoguchi_fold_name(NEW.alias_kana),
        former_key = madoguchi_fold_name(NEW.former_surname) || coalesce(madoguchi_fold_name(NEW.given_name), ''),
        former_kana_key = madoguchi_fold_name(NEW.former_surname_kana) || coalesce(madoguchi_fold_name(NEW.given_kana), ''),
        address_key = madoguchi_fold_address(NEW.address)
    WHERE rowid = NEW.rowid;
"""
V7_KEY_TRIGGERS = """
DROP TRIGGER IF EXISTS residents_address_ai;
-- name searches filter birth date, sex and address inside the index, before reading rows
DROP INDEX IF EXISTS residents_name_key;
DROP INDEX IF EXISTS residents_kana_key;
CREATE INDEX residents_name_search ON residents(name_key, birth_date, sex, address_key);
CREATE INDEX residents_kana_search ON residents(kana_key, birth_date, sex, address_key);
CREATE TRIGGER residents_search_keys_ai AFTER INSERT ON residents
BEGIN
{key_update}END;
CREATE TRIGGER residents_search_keys_au AFTER UPDATE OF family_name, given_name, family_kana, given_kana,
    alias, alias_kana, former_surname, former_surname_kana, address ON residents
BEGIN
{key_update}END;
""".replace("{key_update}", _KEY_UPDATE)

MIGRATIONS.append(Migration(7, "search keys maintained by triggers, composite name indexes",
                            _script(V7_KEY_TRIGGERS)))


# A row that arrives with its keys already right (a pull from the central server, which carries
# them) need not be written twice: the insert and update triggers recompute the keys only when
# one is stale.
# The folds are cached (app.store.normalize), so the check itself is cheap. The address index is
# fed on insert from the folded address directly, whether or not the keys were rewritten.
_KEYS_STALE = """madoguchi_keys_stale(NEW.family_name, NEW.given_name, NEW.family_kana,
    NEW.given_kana, NEW.alias, NEW.alias_kana, NEW.former_surname, NEW.former_surname_kana,
    NEW.address, NEW.name_key, NEW.kana_key, NEW.alias_key, NEW.alias_kana_key, NEW.former_key,
    NEW.former_kana_key, NEW.address_key)"""
V8_KEYS_ONCE = """
DROP TRIGGER residents_search_keys_ai;
CREATE TRIGGER residents_search_keys_ai AFTER INSERT ON residents
WHEN {stale}
BEGIN
{key_update}END;
CREATE TRIGGER residents_address_ai AFTER INSERT ON residents
BEGIN INSERT OR IGNORE INTO addresses(address_key) VALUES (madoguchi_fold_address(NEW.address)); END;
DROP TRIGGER residents_search_keys_au;
CREATE TRIGGER residents_search_keys_au AFTER UPDATE OF family_name, given_name, family_kana, given_kana,
    alias, alias_kana, former_surname, former_surname_kana, address ON residents
WHEN {stale}
BEGIN
{key_update}END;
""".replace("{stale}", _KEYS_STALE.strip()).replace("{key_update}", _KEY_UPDATE)

MIGRATIONS.append(Migration(8, "search keys rewritten on insert only when stale",
                            _script(V8_KEYS_ONCE)))


# One address normaliser (app.store.normalize.fold_address) for search, the restriction and
# destination checks and printing: its folding changed (号室 dropped, a room number after the lot
# joined with "-", 大字/字 dropped, a hyphen only between two numbers), so every stored key is
# recomputed and the address-fragment index rebuilt from the new keys.
def _v9_one_address_fold(conn: sqlite3.Connection) -> None:
    # jaconv only for a store this migration upgrades
    from app.store.residents import refold_addresses

    refold_addresses(conn)


MIGRATIONS.append(Migration(9, "address keys refolded by the one address normaliser", _v9_one_address_fold))


# Signed two-person release (app.security.release, app.security.sigcore): every release, refusal,
# re-lock and re-lock confirmation carries the signature of the person who gives it, over the
# digest of what it binds; a password user's Ed25519 key is kept encrypted under their password
# (app.security.keys), a card user signs with the card. SQLite cannot check a signature, so the
# triggers here only refuse an unsigned row; the engine, `audit verify`, the self-test and the
# central server check the signature itself. "Has handled the case" is any event on the case, at
# any terminal: such a person never releases it (the same rule as the engine and the server).
V10_SIGNED_RELEASES = """
ALTER TABLE staff ADD COLUMN sign_pub TEXT;      -- hex Ed25519 public key(s), newest last
ALTER TABLE staff ADD COLUMN sign_key TEXT;      -- the private key, wrapped under the password
ALTER TABLE releases ADD COLUMN signature TEXT;
ALTER TABLE release_events ADD COLUMN auth_method TEXT
    CHECK (auth_method IS NULL OR auth_method IN ('password', 'card'));
ALTER TABLE release_events ADD COLUMN signature TEXT;
CREATE TRIGGER releases_signed BEFORE INSERT ON releases
WHEN NEW.signature IS NULL OR length(NEW.signature) < 128
BEGIN SELECT RAISE(ABORT, 'a release or refusal must carry the officer''s signature'); END;
CREATE TRIGGER release_events_signed BEFORE INSERT ON release_events
WHEN NEW.kind IN ('relocked', 'relock_confirmed')
 AND (NEW.signature IS NULL OR length(NEW.signature) < 128 OR NEW.auth_method IS NULL)
BEGIN SELECT RAISE(ABORT, 'a re-lock and its confirmation must carry the signature of who gives it'); END;
CREATE TRIGGER releases_officer_never_handled BEFORE INSERT ON releases
WHEN EXISTS (SELECT 1 FROM case_events WHERE case_id = NEW.case_id AND staff_id = NEW.officer_id)
BEGIN SELECT RAISE(ABORT, 'the releasing officer has handled this case'); END;
-- audit verify finds each release's entries by case
CREATE INDEX audit_log_case ON audit_log(case_id) WHERE case_id IS NOT NULL;
"""

MIGRATIONS.append(Migration(10, "signed releases and re-locks; handled means any event",
                            _script(V10_SIGNED_RELEASES)))


# Support measures that cannot be forgotten (app.security.registration, app.desk): the outsourced
# (委託) attribute of an account, and the measure ledger's events — registration by one person and
# confirmation by a second the same office day, each linked system confirmed "blocked" by a named
# person, an end requested by an officer and confirmed by a second person, a supervisor's sign-off
# of a monthly reconciliation. The store refuses what a modified client could skip: an outsourced
# support officer, a confirmation by the person who registered (or on another day), a linked-system
# confirmation or an end by an outsourced account, and any change to an event once written.
V10_MEASURE_LEDGER = """
ALTER TABLE staff ADD COLUMN outsourced INTEGER NOT NULL DEFAULT 0;   -- 委託: 1 = outsourced staff
CREATE TRIGGER staff_outsourced_not_officer_ai AFTER INSERT ON staff
WHEN NEW.outsourced <> 0 AND EXISTS (SELECT 1 FROM json_each(NEW.roles) WHERE value = 'support_officer')
BEGIN SELECT RAISE(ABORT, 'an outsourced account cannot be a support officer'); END;
CREATE TRIGGER staff_outsourced_not_officer_au AFTER UPDATE OF roles, outsourced ON staff
WHEN NEW.outsourced <> 0 AND EXISTS (SELECT 1 FROM json_each(NEW.roles) WHERE value = 'support_officer')
BEGIN SELECT RAISE(ABORT, 'an outsourced account cannot be a support officer'); END;

CREATE TABLE measure_events (
    id           TEXT PRIMARY KEY,
    measure_id   TEXT REFERENCES support_measures(id),       -- NULL only for a reconcile sign-off
    kind         TEXT NOT NULL CHECK (kind IN ('registered', 'confirmed', 'system_blocked',
                                               'end_requested', 'end_confirmed', 'reconcile_signed')),
    stage        TEXT CHECK (stage IS NULL OR stage IN ('application', 'provisional', 'decision',
                                                        'renewal')),
    system       TEXT,                    -- system_blocked: which linked system
    ref_id       TEXT REFERENCES measure_events(id),  -- confirmed / end_confirmed: what it confirms
    office_day   TEXT NOT NULL,           -- YYYY-MM-DD in the office's time zone
    at           TEXT NOT NULL,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    terminal_id  TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    seq          INTEGER NOT NULL DEFAULT 0,
    CHECK (measure_id IS NOT NULL OR kind = 'reconcile_signed')
);
CREATE INDEX measure_events_measure ON measure_events(measure_id, kind);
CREATE INDEX measure_events_day ON measure_events(office_day);
CREATE TRIGGER measure_events_no_update BEFORE UPDATE ON measure_events
BEGIN SELECT RAISE(ABORT, 'measure events are append-only'); END;
CREATE TRIGGER measure_events_no_delete BEFORE DELETE ON measure_events
BEGIN SELECT RAISE(ABORT, 'measure events are append-only'); END;
CREATE TRIGGER measure_events_not_outsourced BEFORE INSERT ON measure_events
WHEN EXISTS (SELECT 1 FROM staff WHERE id = NEW.staff_id AND outsourced <> 0)
BEGIN SELECT RAISE(ABORT, 'outsourced staff cannot register or confirm support measures'); END;
CREATE TRIGGER measure_events_second_person BEFORE INSERT ON measure_events
WHEN NEW.kind IN ('confirmed', 'end_confirmed') AND NOT EXISTS (
    SELECT 1 FROM measure_events r WHERE r.id = NEW.ref_id AND r.measure_id = NEW.measure_id
       AND r.staff_id <> NEW.staff_id
       AND ((NEW.kind = 'confirmed' AND r.kind = 'registered' AND r.office_day = NEW.office_day)
         OR (NEW.kind = 'end_confirmed' AND r.kind = 'end_requested')))
BEGIN SELECT RAISE(ABORT, 'a confirmation needs a second person (and, for a registration, the same day)'); END;
CREATE TRIGGER measure_events_confirmer_officer BEFORE INSERT ON measure_events
WHEN NEW.kind IN ('confirmed', 'end_requested', 'reconcile_signed') AND NOT EXISTS (
    SELECT 1 FROM staff s, json_each(s.roles) r WHERE s.id = NEW.staff_id AND s.disabled = 0
       AND r.value = 'support_officer')
BEGIN SELECT RAISE(ABORT, 'only a support officer confirms a registration or asks to end a measure'); END;
"""

# The supervisor's desk (app.desk.supervisor) counts a month of cases without replaying events:
# ``case_stats`` is derived from the status-changing events by triggers (local only, like
# case_heads): status, when it ended, seconds spent waiting for a support officer
# (awaiting_release) and paused, the first reason code of a refusal.
_STATS_UPDATE = """UPDATE case_stats SET
        wait_seconds = round(wait_seconds + CASE WHEN since_status = 'awaiting_release'
            THEN max(0, (julianday({at}) - julianday(since)) * 86400) ELSE 0 END, 1),
        paused_seconds = round(paused_seconds + CASE WHEN since_status = 'paused'
            THEN max(0, (julianday({at}) - julianday(since)) * 86400) ELSE 0 END, 1),
        since = CASE WHEN {status} IN ('awaiting_release', 'paused') THEN {at} END,
        since_status = CASE WHEN {status} IN ('awaiting_release', 'paused') THEN {status} END,
        status = {status},
        ended_at = CASE WHEN {status} IN ('completed', 'refused', 'abandoned') THEN {at} END,
        handling_seconds = CASE WHEN {status} IN ('completed', 'refused', 'abandoned') THEN round(max(0,
            (julianday({at}) - julianday(opened_at)) * 86400 - paused_seconds
            - CASE WHEN since_status = 'paused' THEN (julianday({at}) - julianday(since)) * 86400 ELSE 0 END), 1)
            END,
        refusal_code = CASE WHEN {kind} = 'refused' THEN {code} ELSE refusal_code END
    WHERE case_id = {case}"""
_STATUS = "json_extract({p}, '$.status')"
_CODE = "json_extract({p}, '$.decision.reasons[0].code')"

V10_CASE_STATS = """
CREATE TABLE case_stats (
    case_id         TEXT PRIMARY KEY REFERENCES cases(id),
    case_type       TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    ended_at        TEXT,
    handling_seconds REAL,                       -- ended cases: opened → ended, minus paused time
    wait_seconds    REAL NOT NULL DEFAULT 0,     -- awaiting a support officer's release
    paused_seconds  REAL NOT NULL DEFAULT 0,
    since           TEXT,                        -- when the current wait or pause began
    since_status    TEXT,
    refusal_code    TEXT
);
-- covering: the desk's figures read the index only
CREATE INDEX case_stats_figures ON case_stats(opened_at, case_type, status, handling_seconds,
                                              wait_seconds, refusal_code);
CREATE TRIGGER cases_stats_ai AFTER INSERT ON cases
BEGIN
    INSERT OR IGNORE INTO case_stats(case_id, case_type, opened_at) VALUES (NEW.id, NEW.case_type, NEW.opened_at);
END;
CREATE TRIGGER case_events_stats_ai AFTER INSERT ON case_events
WHEN json_extract(NEW.payload, '$.status') IS NOT NULL
BEGIN
    {update};
END;
INSERT INTO case_stats(case_id, case_type, opened_at) SELECT id, case_type, opened_at FROM cases;
CREATE INDEX issued_documents_figures ON issued_documents(issued_at, training, document_type);
""".replace("{update}", _STATS_UPDATE.format(
    at="NEW.at", status=_STATUS.format(p="NEW.payload"), kind="NEW.kind",
    code=_CODE.format(p="NEW.payload"), case="NEW.case_id"))


def _v10(conn: sqlite3.Connection) -> None:
    _script(V10_MEASURE_LEDGER)(conn)
    _script(V10_CASE_STATS)(conn)
    # cases written before this migration: their status events through the same arithmetic
    rows = conn.execute(
        f"SELECT at, {_STATUS.format(p='payload')}, kind, {_CODE.format(p='payload')}, case_id "
        f"FROM case_events WHERE {_STATUS.format(p='payload')} IS NOT NULL ORDER BY case_id, n").fetchall()
    update = _STATS_UPDATE.format(at="?1", status="?2", kind="?3", code="?4", case="?5")
    conn.executemany(update, rows)


MIGRATIONS.append(Migration(11, "support-measure ledger: outsourced staff, registration and "
                                "linked-system confirmations; case figures for the desk", _v10))


# Signed support-measure ledger (app.security.ledgersig): every ledger event carries the signature
# of the person who gives it (their password-opened Ed25519 key or their card), over the digest
# of what it binds. SQLite cannot check a signature: this trigger refuses an unsigned row; the
# engine reads only events whose signature verifies, and `audit verify`, the self-test and the
# central server name any that does not.
V12_SIGNED_LEDGER = """
ALTER TABLE measure_events ADD COLUMN auth_method TEXT
    CHECK (auth_method IS NULL OR auth_method IN ('password', 'card'));
ALTER TABLE measure_events ADD COLUMN signature TEXT;
CREATE TRIGGER measure_events_signed BEFORE INSERT ON measure_events
WHEN NEW.signature IS NULL OR length(NEW.signature) < 128 OR NEW.auth_method IS NULL
BEGIN SELECT RAISE(ABORT, 'a support-measure ledger event must carry the signature of who gives it'); END;
"""

MIGRATIONS.append(Migration(12, "signed support-measure ledger events", _script(V12_SIGNED_LEDGER)))


# Official name readings (氏名の振り仮名, since 2025-05-26) and 旧氏 readings (app.store.furigana):
# the reading of surname and given name as the family register certifies it, kept apart from the
# municipality's search kana (family_kana / given_kana), each with the day it was recorded and
# where it came from; the 旧氏 reading likewise, only beside a 旧氏. Their search keys are kept by
# triggers, as the other keys are (official reading of a part, else that part's search kana).
# What a reading may be is checked here too, so that no writer (sync, a script, the sqlite3 shell)
# stores a reading the copy would print: katakana only, with a date on or after 2025-05-26 and a
# known source.
_READINGS_BAD = f"NOT ({_furigana.valid_sql('NEW.')})"
_READINGS_MESSAGE = ("an official name reading (振り仮名) is katakana only and needs its date (from "
                     "2025-05-26) and source; a 旧氏 reading needs the 旧氏")
_READING_KEYS = (_furigana.FURIGANA_KEY_SQL.format(p="NEW."), _furigana.FORMER_FURIGANA_KEY_SQL.format(p="NEW."))
_READING_KEYS_STALE = (f"NEW.furigana_key IS NOT {_READING_KEYS[0]} "
                       f"OR NEW.former_furigana_key IS NOT {_READING_KEYS[1]}")
_READING_KEYS_UPDATE = (f"UPDATE residents SET furigana_key = {_READING_KEYS[0]}, "
                        f"former_furigana_key = {_READING_KEYS[1]} WHERE rowid = NEW.rowid;")
V13_READINGS = f"""
ALTER TABLE residents ADD COLUMN furigana_family TEXT;          -- 氏の振り仮名 (official, katakana)
ALTER TABLE residents ADD COLUMN furigana_given TEXT;           -- 名の振り仮名
ALTER TABLE residents ADD COLUMN furigana_date TEXT;            -- when it was recorded (ISO)
ALTER TABLE residents ADD COLUMN furigana_source TEXT;          -- app.store.furigana.SOURCES
ALTER TABLE residents ADD COLUMN former_furigana TEXT;          -- 旧氏の振り仮名
ALTER TABLE residents ADD COLUMN former_furigana_date TEXT;
ALTER TABLE residents ADD COLUMN former_furigana_source TEXT;
ALTER TABLE residents ADD COLUMN furigana_key TEXT;             -- folded reading for search
ALTER TABLE residents ADD COLUMN former_furigana_key TEXT;
CREATE INDEX residents_furigana_key ON residents(furigana_key) WHERE furigana_key IS NOT NULL;
CREATE INDEX residents_former_furigana_key ON residents(former_furigana_key)
    WHERE former_furigana_key IS NOT NULL;
CREATE TRIGGER residents_readings_valid_bi BEFORE INSERT ON residents
WHEN {_READINGS_BAD}
BEGIN SELECT RAISE(ABORT, '{_READINGS_MESSAGE}'); END;
CREATE TRIGGER residents_readings_valid_bu BEFORE UPDATE OF furigana_family, furigana_given,
    furigana_date, furigana_source, former_furigana, former_furigana_date, former_furigana_source,
    former_surname ON residents
WHEN {_READINGS_BAD}
BEGIN SELECT RAISE(ABORT, '{_READINGS_MESSAGE}'); END;
CREATE TRIGGER residents_reading_keys_ai AFTER INSERT ON residents
WHEN {_READING_KEYS_STALE}
BEGIN {_READING_KEYS_UPDATE} END;
CREATE TRIGGER residents_reading_keys_au AFTER UPDATE OF furigana_family, furigana_given,
    former_furigana, family_kana, given_kana, furigana_key, former_furigana_key ON residents
WHEN {_READING_KEYS_STALE}
BEGIN {_READING_KEYS_UPDATE} END;
"""

MIGRATIONS.append(Migration(13, "official name readings (氏名の振り仮名) and 旧氏 readings with date and "
                                "source", _script(V13_READINGS)))


# Card history (app.security.cardauth): a card renewed or replaced keeps its certificate listed
# with the time it was registered and the time it was replaced, so that what the person signed
# with the old card still verifies and nothing signed with it afterwards does. Kept, never
# deleted; the only change is marking the current card replaced. Comes down from the server.
V14_CARD_HISTORY = """
CREATE TABLE staff_card_certs (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    cert_sha256   TEXT NOT NULL,
    card_cert     BLOB NOT NULL,             -- DER of the user-authentication certificate
    registered_at TEXT,                      -- NULL: registered before the history was kept
    replaced_at   TEXT                       -- NULL: the person's current card
);
CREATE INDEX staff_card_certs_staff ON staff_card_certs(staff_id);
INSERT INTO staff_card_certs(id, staff_id, cert_sha256, card_cert)
    SELECT 'card-' || id, id, coalesce(card_cert_sha256, ''), card_cert FROM staff
    WHERE card_cert IS NOT NULL;
CREATE TRIGGER staff_card_certs_kept BEFORE DELETE ON staff_card_certs
BEGIN SELECT RAISE(ABORT, 'the card history is kept: a replaced card stays listed'); END;
CREATE TRIGGER staff_card_certs_replace_only BEFORE UPDATE ON staff_card_certs
WHEN NEW.id IS NOT OLD.id OR NEW.staff_id IS NOT OLD.staff_id
  OR NEW.cert_sha256 IS NOT OLD.cert_sha256 OR NEW.card_cert IS NOT OLD.card_cert
  OR NEW.registered_at IS NOT OLD.registered_at
  OR (OLD.replaced_at IS NOT NULL AND NEW.replaced_at IS NOT OLD.replaced_at)
BEGIN SELECT RAISE(ABORT, 'the card history is kept: only the current card can be marked replaced'); END;
-- a re-lock is confirmed by a third person: "handled" as everywhere else (the engine's
-- case_workers, the server's release_events_third_person): the opener and anyone with an event
DROP TRIGGER release_events_confirm_third_person;
{third_person}"""

MIGRATIONS.append(Migration(14, "card history: a replaced card's certificate kept with its window; "
                                "re-lock confirmed by a third person who never handled the case",
                            _script(V14_CARD_HISTORY.replace("{third_person}", _third_person(
                                """
  OR NEW.staff_id IN (SELECT c.opened_by FROM cases c JOIN releases r ON r.case_id = c.id
                      WHERE r.id = NEW.release_id)
  OR NEW.staff_id IN (SELECT e.staff_id FROM case_events e JOIN releases r ON r.case_id = e.case_id
                      WHERE r.id = NEW.release_id)""",
                                " (not the releaser, the re-locker nor anyone who handled the case)")))))
