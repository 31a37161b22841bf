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

# Search support: alternative name keys (alias kana, former surname), and address-fragment search
# through a trigram index over the distinct folded addresses. ``addresses`` has an INTEGER PRIMARY
# KEY so that VACUUM never renumbers the rows the FTS index points at. Triggers keep both in step
# with every resident written; the name keys themselves are computed by the writer
# (app.store.normalize.resident_search_keys), since SQL cannot fold kana.
V2_SEARCH = """
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


def _v2_search(conn: sqlite3.Connection) -> None:
    _script(V2_SEARCH)(conn)
    from app.store.residents import refresh_search_keys  # rows a v1 store already holds

    refresh_search_keys(conn)
    conn.execute("INSERT OR IGNORE INTO addresses(address_key) "
                 "SELECT address_key FROM residents ORDER BY address_key")


MIGRATIONS: list[Migration] = [
    Migration(1, "core tables", _script(V1_CORE)),
    Migration(2, "search keys and address index", _v2_search),
]
