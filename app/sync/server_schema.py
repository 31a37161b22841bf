"""The central schema on the office's PostgreSQL server, as an ordered list of migrations, and the
administration that goes with it: ``init`` (create or migrate) and ``add_terminal`` (a login role
per terminal with only the rights it needs).

What the database itself enforces, so that a modified client cannot skip it:

- every case, event, release and audit entry names a known terminal and known staff (foreign keys);
- a terminal's role may only insert rows carrying its own terminal id (row-level security);
- a release whose officer is the handling clerk, or who is not an active support officer, is
  rejected (trigger ``releases_four_eyes``);
- cases, case events, releases and audit entries are append-only: terminals get no UPDATE/DELETE
  grant and triggers refuse updates, deletes and TRUNCATE for everyone;
- master data (residents ... staff) gets a server-assigned change sequence ``seq`` from one global
  sequence on every insert and update; writers take one advisory lock so that the sequence order is
  the commit order (``pull_horizon()`` returns the highest sequence a reader may safely pass).

The server mirrors the terminal's row format (ISO text dates, 0/1 integers) so rows copy both ways
unchanged. This module must not import Qt and never stores a password anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg import sql

from app.errors import MadoguchiError

SCHEMA = "madoguchi"
#: advisory lock that orders every write of sequenced rows (the value spells 'MDGS')
CHANGE_LOCK = 0x4D444753

#: master tables that come down to terminals, in foreign-key order
MASTER_TABLES = (
    "staff", "households", "residents", "cards", "card_applications",
    "support_measures", "support_measure_members", "support_forwardings",
)
#: tables terminals push into, in dependency order
_V1_TRAFFIC = ("cases", "case_events", "releases", "release_events", "audit")
TRAFFIC_TABLES = (*_V1_TRAFFIC, "measure_events")
#: traffic that comes down to other terminals, by change sequence
SEQUENCED_TRAFFIC = ("cases", "case_events", "releases", "release_events")
#: server-assigned columns a terminal may not write
SERVER_COLUMNS = ("seq", "received_at")

_MASTER_DDL = """
CREATE TABLE staff (
    id text PRIMARY KEY, login text NOT NULL UNIQUE, display_name text NOT NULL,
    roles text NOT NULL DEFAULT '["clerk"]', password_hash text, card_cert bytea,
    disabled integer NOT NULL DEFAULT 0, failed_attempts integer NOT NULL DEFAULT 0,
    locked_until text, created_at text NOT NULL, seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE households (
    id text PRIMARY KEY, household_code text NOT NULL UNIQUE, head_id text, postal_code text,
    address text NOT NULL, seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE residents (
    id text PRIMARY KEY, household_id text REFERENCES households(id), resident_code text UNIQUE,
    my_number text UNIQUE, family_name text NOT NULL, given_name text NOT NULL,
    family_kana text NOT NULL, given_kana text NOT NULL, former_surname text,
    former_surname_kana text, alias text, alias_kana text, name_key text NOT NULL,
    kana_key text NOT NULL, alias_key text, birth_date text NOT NULL,
    sex integer NOT NULL CHECK (sex IN (1, 2, 9)), postal_code text, address text NOT NULL,
    address_key text NOT NULL, relationship text, domicile text, domicile_head text,
    became_resident_date text, address_date text, notified_date text, previous_address text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    removal_reason text, removal_date text, moved_to_address text,
    is_foreign integer NOT NULL DEFAULT 0, nationality text, residence_status text,
    residence_period text, residence_expiry text, residence_card_no text, foreign_category text,
    seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE cards (
    id text PRIMARY KEY, resident_id text NOT NULL REFERENCES residents(id),
    issued_date text NOT NULL, expiry_date text NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    status_date text, status_reason text,
    cert_sign_status text NOT NULL DEFAULT 'valid', cert_auth_status text NOT NULL DEFAULT 'valid',
    locked_pins text NOT NULL DEFAULT '[]', card_file text, seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE card_applications (
    id text PRIMARY KEY, resident_id text NOT NULL REFERENCES residents(id),
    application_id text NOT NULL UNIQUE, received_date text NOT NULL, status text NOT NULL,
    status_date text NOT NULL, seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE support_measures (
    id text PRIMARY KEY, target_id text NOT NULL REFERENCES residents(id),
    kind text NOT NULL CHECK (kind IN ('dv', 'stalking', 'child_abuse', 'other')),
    status text NOT NULL CHECK (status IN ('provisional', 'active', 'ended')),
    applied_date text NOT NULL, start_date text, end_date text, ended_date text,
    ended_reason text, former_municipality integer NOT NULL DEFAULT 0, counselling_body text,
    perpetrator_family_name text, perpetrator_given_name text, perpetrator_family_kana text,
    perpetrator_given_kana text, perpetrator_birth_date text, perpetrator_address text,
    perpetrator_relationship text, perpetrator_resident_id text REFERENCES residents(id),
    perpetrator_lawyer_name text, perpetrator_lawyer_office text,
    seq bigint NOT NULL DEFAULT 0
);
-- a member taken off a measure is marked removed (the terminals then delete their copy)
CREATE TABLE support_measure_members (
    measure_id text NOT NULL REFERENCES support_measures(id),
    resident_id text NOT NULL REFERENCES residents(id),
    removed boolean NOT NULL DEFAULT false,
    seq bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (measure_id, resident_id)
);
CREATE TABLE support_forwardings (
    id text PRIMARY KEY, measure_id text NOT NULL REFERENCES support_measures(id),
    direction text NOT NULL CHECK (direction IN ('sent', 'received')),
    municipality text NOT NULL, reason text, sent_date text, received_date text,
    seq bigint NOT NULL DEFAULT 0
);
"""

_TRAFFIC_DDL = """
CREATE TABLE terminals (
    id text PRIMARY KEY,
    role_name text NOT NULL UNIQUE,
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_sync_at timestamptz
);
-- the terminal's audit chain head as the server saw it at each sync (a witness)
CREATE TABLE witnesses (
    id bigserial PRIMARY KEY,
    terminal_id text NOT NULL REFERENCES terminals(id),
    at timestamptz NOT NULL DEFAULT now(),
    audit_seq bigint,
    audit_hash text
);
CREATE TABLE cases (
    id text PRIMARY KEY,
    case_type text NOT NULL,
    terminal_id text NOT NULL REFERENCES terminals(id),
    opened_by text NOT NULL REFERENCES staff(id),
    opened_at text NOT NULL,
    row text NOT NULL,                 -- the row exactly as the terminal queued it (JSON)
    received_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL DEFAULT nextval('madoguchi.change_seq')
);
CREATE TABLE case_events (
    id text PRIMARY KEY,
    case_id text NOT NULL REFERENCES cases(id),
    n integer NOT NULL,
    at text NOT NULL,
    staff_id text NOT NULL REFERENCES staff(id),
    terminal_id text NOT NULL REFERENCES terminals(id),
    kind text NOT NULL,
    step text,
    row text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL DEFAULT nextval('madoguchi.change_seq'),
    UNIQUE (case_id, terminal_id, n)
);
CREATE INDEX case_events_case ON case_events(case_id);
CREATE INDEX case_events_gated ON case_events(case_id) WHERE kind = 'gated';
-- a release (一時解除) or refusal by a support officer: terminal_id is where the officer decided
CREATE TABLE releases (
    id text PRIMARY KEY,
    case_id text NOT NULL REFERENCES cases(id),
    officer_id text NOT NULL REFERENCES staff(id),
    handling_staff_id text NOT NULL REFERENCES staff(id),
    terminal_id text NOT NULL REFERENCES terminals(id),
    decision text NOT NULL CHECK (decision IN ('released', 'refused')),
    issued_at text NOT NULL,
    row text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL DEFAULT nextval('madoguchi.change_seq'),
    CONSTRAINT release_officer_is_not_clerk CHECK (officer_id <> handling_staff_id)
);
CREATE INDEX releases_case ON releases(case_id);
-- what happened to a release afterwards (used, voided, relocked, relock confirmed)
CREATE TABLE release_events (
    id text PRIMARY KEY,
    release_id text NOT NULL REFERENCES releases(id),
    kind text NOT NULL,
    staff_id text NOT NULL REFERENCES staff(id),
    terminal_id text NOT NULL REFERENCES terminals(id),
    row text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL DEFAULT nextval('madoguchi.change_seq')
);
-- the terminal's hash-chained audit log, entry by entry
CREATE TABLE audit (
    id text PRIMARY KEY,
    terminal_id text NOT NULL REFERENCES terminals(id),
    chain_seq bigint NOT NULL,
    hash text NOT NULL,
    prev_hash text,
    at text,
    staff_id text REFERENCES staff(id),
    row text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (terminal_id, chain_seq)
);
"""

_FUNCTIONS = """
CREATE FUNCTION bump_seq() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
BEGIN
    NEW.seq := nextval('madoguchi.change_seq');
    RETURN NEW;
END $$;

CREATE FUNCTION take_change_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    RETURN NULL;
END $$;

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'madoguchi: % is append-only: rows sent by a terminal are never changed or deleted',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- the terminal of the connected role (NULL for anyone else)
CREATE FUNCTION current_terminal() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
    SELECT id FROM madoguchi.terminals WHERE role_name = session_user
$$;

-- the highest change sequence whose writer has committed: a reader may pull up to here and
-- never skip a row committed later with a lower number
CREATE FUNCTION pull_horizon() RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    v bigint;
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO v FROM madoguchi.change_seq;
    RETURN v;
END $$;

-- record the calling terminal's audit chain head as the server holds it now
CREATE FUNCTION record_witness() RETURNS TABLE (audit_seq bigint, audit_hash text, at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = madoguchi, pg_temp AS $$
DECLARE
    t text := madoguchi.current_terminal();
    s bigint;
    h text;
BEGIN
    IF t IS NULL THEN
        RAISE EXCEPTION 'madoguchi: this login is not a registered terminal'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT a.chain_seq, a.hash INTO s, h FROM madoguchi.audit a
        WHERE a.terminal_id = t ORDER BY a.chain_seq DESC LIMIT 1;
    INSERT INTO madoguchi.witnesses(terminal_id, audit_seq, audit_hash) VALUES (t, s, h);
    UPDATE madoguchi.terminals SET last_sync_at = now() WHERE id = t;
    RETURN QUERY SELECT s, h, now();
END $$;

-- four eyes (二人確認): the officer who releases is never the handling clerk of the case, and is
-- an active support officer
CREATE FUNCTION releases_four_eyes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    opener text;
    officer_roles text;
    officer_disabled integer;
BEGIN
    SELECT opened_by INTO opener FROM madoguchi.cases WHERE id = NEW.case_id;
    IF NEW.officer_id = opener OR NEW.officer_id = NEW.handling_staff_id THEN
        RAISE EXCEPTION 'madoguchi: the officer who releases a case cannot be its handling clerk'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.handling_staff_id <> opener AND NOT EXISTS (
            SELECT 1 FROM madoguchi.case_events e
            WHERE e.case_id = NEW.case_id AND e.staff_id = NEW.handling_staff_id) THEN
        RAISE EXCEPTION 'madoguchi: the clerk named on the release never handled this case'
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM madoguchi.case_events e
               WHERE e.case_id = NEW.case_id AND e.staff_id = NEW.officer_id
                 AND e.terminal_id = (SELECT terminal_id FROM madoguchi.cases WHERE id = NEW.case_id)) THEN
        RAISE EXCEPTION 'madoguchi: the officer who releases a case cannot have handled it'
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT roles, disabled INTO officer_roles, officer_disabled FROM madoguchi.staff
        WHERE id = NEW.officer_id;
    IF officer_disabled <> 0 OR NOT (officer_roles::jsonb ? 'support_officer') THEN
        RAISE EXCEPTION 'madoguchi: only an active support officer can release a case'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
""".replace("{lock}", str(CHANGE_LOCK))


def _sequenced(table: str, row_trigger: bool = True) -> str:
    """The change lock for every statement, and the sequence per row: by trigger on master tables
    (inserted and updated by the administrator), by column default on append-only traffic (a
    terminal's INSERT grant leaves out ``seq``, so it cannot choose its own number)."""
    trigger = f"""
CREATE TRIGGER {table}_seq BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION bump_seq();""" if row_trigger else ""
    return f"""
CREATE TRIGGER {table}_lock BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION take_change_lock();{trigger}
CREATE INDEX {table}_seq_idx ON {table}(seq);
"""


def _append_only(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""


def _rls(table: str, read_all: bool) -> str:
    read = "true" if read_all else "terminal_id = (SELECT madoguchi.current_terminal())"
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read});
CREATE POLICY {table}_own_terminal ON {table} FOR INSERT
    WITH CHECK (terminal_id = (SELECT madoguchi.current_terminal()));
"""


def _v1() -> str:
    parts = [
        "CREATE SEQUENCE change_seq;",
        _MASTER_DDL,
        _TRAFFIC_DDL,
        _FUNCTIONS,
        "CREATE TRIGGER releases_four_eyes BEFORE INSERT ON releases "
        "FOR EACH ROW EXECUTE FUNCTION releases_four_eyes();",
    ]
    parts += [_sequenced(t) for t in MASTER_TABLES]
    parts += [_sequenced(t, row_trigger=False) for t in SEQUENCED_TRAFFIC]
    parts += [_append_only(t) for t in _V1_TRAFFIC]
    parts += [_rls("cases", True), _rls("case_events", True), _rls("releases", True),
              _rls("release_events", True), _rls("audit", False)]
    return "\n".join(parts)


@dataclass(frozen=True)
class ServerMigration:
    version: int
    name: str
    sql: str


# v2: the server checks that each audit entry continues the chain it already holds for that
# terminal, so a terminal whose local log was rewritten cannot quietly go on sending
_V2 = """
CREATE FUNCTION audit_chain_continues() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    previous text;
BEGIN
    SELECT hash INTO previous FROM madoguchi.audit
        WHERE terminal_id = NEW.terminal_id AND chain_seq = NEW.chain_seq - 1;
    IF FOUND AND previous IS DISTINCT FROM NEW.prev_hash THEN
        RAISE EXCEPTION 'madoguchi: audit entry % of terminal % does not continue the chain the server holds (the local audit log was rewritten)',
            NEW.chain_seq, NEW.terminal_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_chain_continues BEFORE INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_chain_continues();
"""

# v4: the support-measure ledger (app.security.registration) and outsourced (委託) staff. A
# terminal pushes ledger events (registration, second-person confirmation, linked system blocked,
# end asked and confirmed, reconciliation signed); the server checks the same rules as the local
# store's triggers — the confirmer is another person, a support officer, the same office day; no
# outsourced account writes the ledger or releases — and then applies the measure rows the event
# carries to the master tables, so every terminal receives the measure by the master pull and the
# events by the traffic pull. A release is refused for a case an outsourced clerk handles.
_V4 = """
ALTER TABLE staff ADD COLUMN outsourced integer NOT NULL DEFAULT 0;
ALTER TABLE staff ADD CONSTRAINT staff_outsourced_not_officer
    CHECK (outsourced = 0 OR NOT (roles::jsonb ? 'support_officer'));
CREATE TABLE measure_events (
    id text PRIMARY KEY,
    measure_id text,
    kind text NOT NULL CHECK (kind IN ('registered', 'confirmed', 'system_blocked', 'end_requested',
                                       'end_confirmed', 'reconcile_signed')),
    stage text,
    system text,
    ref_id text REFERENCES measure_events(id),
    office_day text NOT NULL,
    at text NOT NULL,
    staff_id text NOT NULL REFERENCES staff(id),
    terminal_id text NOT NULL REFERENCES terminals(id),
    row text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL DEFAULT nextval('madoguchi.change_seq')
);
CREATE INDEX measure_events_measure ON measure_events(measure_id);

CREATE FUNCTION measure_events_rules() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    ref madoguchi.measure_events;
    actor madoguchi.staff;
    doc jsonb := NEW.row::jsonb;
    m jsonb;
BEGIN
    SELECT * INTO actor FROM madoguchi.staff WHERE id = NEW.staff_id;
    IF actor.outsourced <> 0 OR actor.disabled <> 0 THEN
        RAISE EXCEPTION 'madoguchi: outsourced or disabled staff cannot write the support-measure ledger'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind IN ('confirmed', 'end_requested', 'reconcile_signed')
       AND NOT (actor.roles::jsonb ? 'support_officer') THEN
        RAISE EXCEPTION 'madoguchi: only a support officer can %', NEW.kind USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind IN ('confirmed', 'end_confirmed') THEN
        SELECT * INTO ref FROM madoguchi.measure_events WHERE id = NEW.ref_id;
        IF NOT FOUND OR ref.measure_id IS DISTINCT FROM NEW.measure_id OR ref.staff_id = NEW.staff_id
           OR (NEW.kind = 'confirmed' AND (ref.kind <> 'registered' OR ref.office_day <> NEW.office_day))
           OR (NEW.kind = 'end_confirmed' AND ref.kind <> 'end_requested') THEN
            RAISE EXCEPTION 'madoguchi: a confirmation needs a second person (and, for a registration, the same day)'
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    -- the measure rows as the event left them, applied to the master tables (they come down to
    -- every terminal by the master pull) — only what this kind of event may change: a
    -- registration adds a new provisional measure (never changes one); a confirmation changes
    -- its own measure or adds the measure that renews it; an end confirmation ends its own
    -- measure. Nothing else a terminal sends touches the master rows.
    IF NEW.kind NOT IN ('registered', 'confirmed', 'end_confirmed') THEN
        RETURN NEW;
    END IF;
    FOR m IN SELECT * FROM jsonb_array_elements(COALESCE(doc->'measures', '[]'::jsonb)) LOOP
        IF NEW.kind = 'registered' THEN
            CONTINUE WHEN m->>'id' IS DISTINCT FROM NEW.measure_id OR m->>'status' <> 'provisional';
            INSERT INTO madoguchi.support_measures
            SELECT * FROM jsonb_populate_record(NULL::madoguchi.support_measures, m || '{"seq": 0}'::jsonb)
            ON CONFLICT (id) DO NOTHING;
        ELSIF m->>'id' = NEW.measure_id THEN
            UPDATE madoguchi.support_measures SET status = m->>'status', start_date = m->>'start_date',
                end_date = m->>'end_date', ended_date = m->>'ended_date', ended_reason = m->>'ended_reason'
            WHERE id = NEW.measure_id AND status <> 'ended'
              AND (NEW.kind = 'confirmed' OR m->>'status' = 'ended');
        ELSIF NEW.kind = 'confirmed' AND NEW.stage = 'renewal' AND m->>'renewed_from' = NEW.measure_id THEN
            INSERT INTO madoguchi.support_measures
            SELECT * FROM jsonb_populate_record(NULL::madoguchi.support_measures, m || '{"seq": 0}'::jsonb)
            ON CONFLICT (id) DO NOTHING;
        END IF;
    END LOOP;
    INSERT INTO madoguchi.support_measure_members(measure_id, resident_id)
    SELECT x->>0, x->>1 FROM jsonb_array_elements(COALESCE(doc->'members', '[]'::jsonb)) x
    WHERE EXISTS (SELECT 1 FROM madoguchi.support_measures s WHERE s.id = x->>0
                  AND (s.id = NEW.measure_id OR NEW.kind = 'confirmed'))
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER measure_events_rules BEFORE INSERT ON measure_events
    FOR EACH ROW EXECUTE FUNCTION measure_events_rules();

CREATE FUNCTION releases_not_outsourced() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
BEGIN
    IF NEW.decision = 'released' AND EXISTS (
            SELECT 1 FROM madoguchi.staff WHERE id = NEW.handling_staff_id AND outsourced <> 0) THEN
        RAISE EXCEPTION 'madoguchi: a case handled by outsourced staff cannot be released'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER releases_not_outsourced BEFORE INSERT ON releases
    FOR EACH ROW EXECUTE FUNCTION releases_not_outsourced();
""" + _sequenced("measure_events", row_trigger=False) + _append_only("measure_events") \
    + _rls("measure_events", True)


# v5: a record of every resident import (app.sync.importer): which files (name, SHA-256), how many
# rows, who ran it; written in the import's own transaction. Staff managed centrally
# (app.sync.staff_admin): the account items a terminal has (employee number, must change the
# password) come down with the account, and every central change is logged in staff_log.
_V5 = """
ALTER TABLE staff ADD COLUMN employee_no text UNIQUE,
    ADD COLUMN must_change_password integer NOT NULL DEFAULT 0,
    ADD COLUMN password_changed_at text;
CREATE TABLE staff_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    db_user text NOT NULL DEFAULT session_user,
    os_user text NOT NULL DEFAULT '',
    action text NOT NULL,
    staff_id text NOT NULL REFERENCES staff(id),
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE imports (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    db_user text NOT NULL DEFAULT session_user,
    imported_by text NOT NULL DEFAULT '',
    layout text NOT NULL,
    files jsonb NOT NULL,
    rows jsonb NOT NULL,
    inserted jsonb NOT NULL,
    updated jsonb NOT NULL
);
"""

SERVER_MIGRATIONS: list[ServerMigration] = [
    ServerMigration(1, "master data, case traffic, audit, witnesses, four-eyes", _v1()),
    ServerMigration(2, "audit chain continuity", _V2),
    ServerMigration(4, "support-measure ledger, outsourced staff", _V4),
    ServerMigration(5, "resident import log, central staff items and log", _V5),
]
SERVER_VERSION = SERVER_MIGRATIONS[-1].version


class ServerError(MadoguchiError):
    """A problem with the central server, worded for IT staff."""

    code = "server.error"


def server_version(conn: psycopg.Connection) -> int:
    """Schema version of the central store, 0 when it has none yet."""
    row = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'meta'",
        (SCHEMA,)).fetchone()
    if not row:
        return 0
    row = conn.execute("SELECT value FROM madoguchi.meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def init_server(dsn: str) -> tuple[int, int]:
    """Create or migrate the central schema; returns (version before, version after).

    Every migration runs in one transaction together with the version bump, so a failure leaves the
    server at the previous version.
    """
    with psycopg.connect(dsn, autocommit=False) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOCK + 1,))
        before = server_version(conn)
        if before > SERVER_VERSION:
            raise ServerError(
                f"中央サーバーのスキーマ（版 {before}）はこの Madoguchi（版 {SERVER_VERSION} まで）より新しい。"
                f"アプリを更新してください。 / The central schema (version {before}) is newer than this "
                f"Madoguchi knows ({SERVER_VERSION}); update the application. Nothing was changed.")
        if before == 0:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"SET LOCAL search_path = {SCHEMA}")
            conn.execute("CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)")
            conn.execute(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
        conn.commit()
        for migration in SERVER_MIGRATIONS:
            if migration.version <= before:
                continue
            with conn.transaction():
                conn.execute(f"SET LOCAL search_path = {SCHEMA}")
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(migration.version),))
        # functions run by terminals must not be callable by everyone
        conn.execute(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {SCHEMA} FROM PUBLIC")
        conn.commit()
        return before, SERVER_VERSION


_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_TERMINAL_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def default_role_name(dbname: str, terminal_id: str) -> str:
    """``mdg_<database>_<terminal>`` in lower case: unique per database on a shared cluster."""
    base = re.sub(r"[^a-z0-9_]", "_", f"mdg_{dbname}_{terminal_id}".lower())
    return base[:63]


def add_terminal(dsn: str, terminal_id: str, password: str, *, name: str = "",
                 role: str | None = None) -> str:
    """Register a terminal and create its login role with only the rights it needs; returns the
    role name. Idempotent: an existing terminal gets its password and grants renewed."""
    if not _TERMINAL_RE.match(terminal_id):
        raise ServerError(f"端末IDが不正です: {terminal_id!r} / invalid terminal id (letters, digits, - and _)")
    with psycopg.connect(dsn, autocommit=False) as conn:
        if server_version(conn) < 1:
            raise ServerError("中央スキーマがありません。先に `madoguchi server init` を実行してください。"
                              " / The central schema is missing: run `madoguchi server init` first.")
        dbname = conn.info.dbname
        role = role or default_role_name(dbname, terminal_id)
        if not _ROLE_RE.match(role):
            raise ServerError(f"ロール名が不正です: {role!r} / invalid role name")
        ident = sql.Identifier(role)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if exists:
            conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
        else:
            conn.execute(sql.SQL("CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                 "NOINHERIT PASSWORD {}").format(ident, sql.Literal(password)))
        conn.execute(
            "INSERT INTO madoguchi.terminals(id, role_name, name) VALUES (%s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name "
            "WHERE madoguchi.terminals.role_name = excluded.role_name",
            (terminal_id, role, name))
        owner = conn.execute("SELECT role_name FROM madoguchi.terminals WHERE id = %s",
                             (terminal_id,)).fetchone()[0]
        if owner != role:
            raise ServerError(f"端末 {terminal_id} は別のロール（{owner}）に登録済みです。"
                              f" / terminal {terminal_id} is already registered to role {owner}.")
        grants = [
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(dbname), ident),
            sql.SQL("GRANT USAGE ON SCHEMA madoguchi TO {}").format(ident),
            sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.SQL(", ").join(sql.Identifier(SCHEMA, t) for t in (*MASTER_TABLES, "terminals")), ident),
            sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.SQL(", ").join(sql.Identifier(SCHEMA, t) for t in TRAFFIC_TABLES), ident),
            sql.SQL("GRANT USAGE ON SEQUENCE madoguchi.change_seq TO {}").format(ident),
            sql.SQL("GRANT EXECUTE ON FUNCTION madoguchi.current_terminal(), madoguchi.pull_horizon(), "
                    "madoguchi.record_witness() TO {}").format(ident),
        ]
        for table in TRAFFIC_TABLES:
            cols = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s ORDER BY ordinal_position", (SCHEMA, table))
                if r[0] not in SERVER_COLUMNS]
            grants.append(sql.SQL("GRANT INSERT ({}) ON {} TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(SCHEMA, table), ident))
        for g in grants:
            conn.execute(g)
        conn.commit()
        return role
