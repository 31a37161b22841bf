"""The central schema on the office's PostgreSQL server, as an ordered list of migrations, and the
administration that goes with it: ``init`` (create or migrate) and ``add_terminal`` (a login role
per terminal with only the rights it needs).

What the database itself enforces, so that a modified client cannot skip it:

- every case, event, release and audit entry names a known terminal and known staff (foreign keys);
- a terminal's role may only insert rows carrying its own terminal id (row-level security), and a
  traffic row's columns must be the same fields of the row it carries (v9);
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
from app.store import furigana as _furigana

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

_FOUR_EYES = """
-- four eyes (二人確認): the officer who releases is never the handling clerk of the case, and is
-- an active support officer
CREATE {or_replace}FUNCTION releases_four_eyes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
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
               WHERE e.case_id = NEW.case_id AND e.staff_id = NEW.officer_id{handled_where}) THEN
        RAISE EXCEPTION 'madoguchi: the officer who releases a case cannot have handled it{handled_why}'
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
"""


def _four_eyes(or_replace: str, handled_where: str, handled_why: str) -> str:
    return (_FOUR_EYES.replace("{or_replace}", or_replace).replace("{handled_where}", handled_where)
            .replace("{handled_why}", handled_why))


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

{four_eyes}""".replace("{lock}", str(CHANGE_LOCK)).replace("{four_eyes}", _four_eyes(
    "", "\n                 AND e.terminal_id = (SELECT terminal_id FROM madoguchi.cases WHERE id = NEW.case_id)",
    ""))


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
_CHAIN_CONTINUES = """
CREATE {or_replace}FUNCTION audit_chain_continues() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    previous text;{same_entry_decl}
BEGIN
{same_entry_check}    SELECT hash INTO previous FROM madoguchi.audit
        WHERE terminal_id = NEW.terminal_id AND chain_seq = NEW.chain_seq - 1;
    IF FOUND AND previous IS DISTINCT FROM NEW.prev_hash THEN
        RAISE EXCEPTION 'madoguchi: audit entry % of terminal % does not continue the chain the server holds (the local audit log was rewritten)',
            NEW.chain_seq, NEW.terminal_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
{trigger}"""
#: v3: an entry the server already holds under the same number must be the same entry
_SAME_ENTRY_CHECK = """    SELECT hash INTO held FROM madoguchi.audit
        WHERE terminal_id = NEW.terminal_id AND chain_seq = NEW.chain_seq;
    IF FOUND AND held IS DISTINCT FROM NEW.hash THEN
        RAISE WARNING 'madoguchi ALERT: terminal % sent audit entry % differing from the one the server holds',
            NEW.terminal_id, NEW.chain_seq;
        RAISE EXCEPTION 'madoguchi: audit entry % of terminal % differs from the entry the server holds (the local audit log was rewound or rewritten)',
            NEW.chain_seq, NEW.terminal_id USING ERRCODE = 'check_violation';
    END IF;
"""


def _chain_continues(v3: bool) -> str:
    return (_CHAIN_CONTINUES.replace("{or_replace}", "OR REPLACE " if v3 else "")
            .replace("{same_entry_decl}", "\n    held text;" if v3 else "")
            .replace("{same_entry_check}", _SAME_ENTRY_CHECK if v3 else "")
            .replace("{trigger}", "" if v3 else "CREATE TRIGGER audit_chain_continues BEFORE INSERT ON audit\n"
                                               "    FOR EACH ROW EXECUTE FUNCTION audit_chain_continues();\n"))


_V2 = _chain_continues(v3=False)

def _sigcore_source() -> str:
    """The terminal's own signature module, run unchanged by the server's PL/Python."""
    from pathlib import Path

    # the terminal's module, read as source for the server's PL/Python
    from app.security import sigcore

    # from source, or the copy a frozen build ships beside the compiled module (build.spec)
    return Path(sigcore.__file__).with_suffix(".py").read_text(encoding="utf-8")


# v3: signed releases (PL/Python, see the module docstring), "has handled the case" counted over
# every terminal, a terminal writes events only into its own cases (or one handed over to it).
_V3 = """
CREATE EXTENSION IF NOT EXISTS plpython3u;
ALTER TABLE staff ADD COLUMN sign_pub text, ADD COLUMN sign_key text;

-- why the signature of a release ('release') or of a re-lock / confirmation ('event') row, as the
-- terminal sent it, does not hold; NULL when it does. The code is app/security/sigcore.py itself.
{signature_problem}

CREATE FUNCTION releases_signed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    problem text;
BEGIN
    IF TG_TABLE_NAME = 'releases' THEN
        problem := madoguchi.signature_problem('release', NEW.row);
    ELSIF NEW.kind IN ('relocked', 'relock_confirmed') THEN
        problem := madoguchi.signature_problem('event', NEW.row);
    END IF;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'madoguchi: % % from terminal % refused: %', replace(TG_TABLE_NAME, '_', ' '),
            NEW.id, NEW.terminal_id, problem USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER releases_signed BEFORE INSERT ON releases
    FOR EACH ROW EXECUTE FUNCTION releases_signed();
CREATE TRIGGER release_events_signed BEFORE INSERT ON release_events
    FOR EACH ROW EXECUTE FUNCTION releases_signed();

-- has handled the case = opened it, is the handling clerk, or wrote any event of it at ANY
-- terminal (the same rule as the engine and the store's trigger)
{four_eyes}
-- 引継ぎ: an administrator hands a case over to another terminal (audited by the row itself)
CREATE TABLE case_handovers (
    id bigserial PRIMARY KEY,
    case_id text NOT NULL REFERENCES cases(id),
    to_terminal text NOT NULL REFERENCES terminals(id),
    by_role text NOT NULL DEFAULT session_user,
    reason text NOT NULL CHECK (length(trim(reason)) > 0),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER case_handovers_append_only BEFORE UPDATE OR DELETE ON case_handovers
    FOR EACH ROW EXECUTE FUNCTION append_only();

CREATE FUNCTION case_events_own_case() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    owner text;
BEGIN
    SELECT terminal_id INTO owner FROM madoguchi.cases WHERE id = NEW.case_id;
    IF owner IS DISTINCT FROM NEW.terminal_id AND NOT EXISTS (
            SELECT 1 FROM madoguchi.case_handovers h
            WHERE h.case_id = NEW.case_id AND h.to_terminal = NEW.terminal_id) THEN
        RAISE EXCEPTION 'madoguchi: terminal % cannot add event % to case % of terminal % (not handed over to it)',
            NEW.terminal_id, NEW.id, NEW.case_id, owner USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER case_events_own_case BEFORE INSERT ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_own_case();

-- staff secrets (password hash, wrapped signing key) are not readable by terminal logins (column
-- privileges): a terminal receives them through staff_credentials() only for staff assigned to
-- it (or, with no assignment at all, to every terminal of the office); a disabled account keeps
-- its hash so that its owner is told "disabled", not "wrong password"
CREATE TABLE staff_terminals (
    staff_id text NOT NULL REFERENCES staff(id),
    terminal_id text NOT NULL REFERENCES terminals(id),
    PRIMARY KEY (staff_id, terminal_id)
);
CREATE FUNCTION staff_credentials(lo bigint, hi bigint)
RETURNS TABLE (id text, password_hash text, sign_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = madoguchi, pg_temp AS $$
    SELECT s.id,
           CASE WHEN allowed THEN s.password_hash END,
           CASE WHEN allowed THEN s.sign_key END
    FROM madoguchi.staff s,
         LATERAL (SELECT madoguchi.current_terminal() IS NOT NULL AND (
                      NOT EXISTS (SELECT 1 FROM madoguchi.staff_terminals a WHERE a.staff_id = s.id)
                      OR EXISTS (SELECT 1 FROM madoguchi.staff_terminals a WHERE a.staff_id = s.id
                                 AND a.terminal_id = madoguchi.current_terminal())) AS allowed) x
    WHERE s.seq > lo AND s.seq <= hi
$$;

-- 隔離 quarantine: a terminal whose audit chain was rewound or rewritten sends nothing more until
-- an administrator has examined it; every quarantine is an alert for the administrator
ALTER TABLE terminals ADD COLUMN quarantined_at timestamptz, ADD COLUMN quarantine_reason text;
CREATE TABLE alerts (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    terminal_id text REFERENCES terminals(id),
    kind text NOT NULL,
    message text NOT NULL
);

CREATE FUNCTION quarantine(t text, reason text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
BEGIN
    UPDATE madoguchi.terminals SET quarantined_at = coalesce(quarantined_at, now()),
        quarantine_reason = coalesce(quarantine_reason, reason) WHERE id = t;
    INSERT INTO madoguchi.alerts(terminal_id, kind, message) VALUES (t, 'audit_chain', reason);
    PERFORM pg_notify('madoguchi_alert', t || ': ' || reason);
    RAISE WARNING 'madoguchi ALERT: terminal % quarantined: %', t, reason;
END $$;

-- this terminal's audit chain as the server holds it: its head, and the hash at one entry
CREATE FUNCTION my_audit_head() RETURNS TABLE (audit_seq bigint, audit_hash text, quarantine text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = madoguchi, pg_temp AS $$
    SELECT (SELECT a.chain_seq FROM madoguchi.audit a WHERE a.terminal_id = t.id
            ORDER BY a.chain_seq DESC LIMIT 1),
           (SELECT a.hash FROM madoguchi.audit a WHERE a.terminal_id = t.id
            ORDER BY a.chain_seq DESC LIMIT 1),
           t.quarantine_reason
    FROM madoguchi.terminals t WHERE t.id = madoguchi.current_terminal()
$$;
CREATE FUNCTION my_audit_hash(s bigint) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
    SELECT hash FROM madoguchi.audit WHERE terminal_id = madoguchi.current_terminal() AND chain_seq = s
$$;

-- the terminal says where its chain first differs from the server's; the server checks that
-- itself (its entry there differs from, or is missing in, the terminal's log) and quarantines
CREATE FUNCTION report_divergence(first_seq bigint, local_hash text, local_head bigint) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = madoguchi, pg_temp AS $$
DECLARE
    t text := madoguchi.current_terminal();
    held text;
    server_head bigint;
    reason text;
BEGIN
    SELECT hash INTO held FROM madoguchi.audit WHERE terminal_id = t AND chain_seq = first_seq;
    IF held IS NULL OR held IS NOT DISTINCT FROM local_hash THEN
        RETURN NULL;
    END IF;
    SELECT max(chain_seq) INTO server_head FROM madoguchi.audit WHERE terminal_id = t;
    reason := format('audit entry %s of terminal %s differs from the entry the server holds (hash %s…): '
                     'the local audit log was %s', first_seq, t, left(held, 16),
                     CASE WHEN local_hash IS NULL OR coalesce(local_head, 0) < server_head
                          THEN format('rewound (the server holds entries up to %s, the terminal %s)',
                                      server_head, coalesce(local_head, 0))
                          ELSE 'rewritten' END);
    PERFORM madoguchi.quarantine(t, reason);
    RETURN reason;
END $$;

CREATE FUNCTION refuse_quarantined() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    reason text;
BEGIN
    SELECT quarantine_reason INTO reason FROM madoguchi.terminals
        WHERE id = NEW.terminal_id AND quarantined_at IS NOT NULL;
    IF FOUND THEN
        RAISE EXCEPTION 'madoguchi: terminal % is quarantined (%); an administrator must examine it before it sends anything',
            NEW.terminal_id, reason USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
{quarantine_triggers}

{chain_continues}"""


#: the start of a PL/Python function that runs sigcore: its source, compiled once per session
#: (under ``key`` in GD), and the row the function was given
_SIGCORE_LOADER = """import json
SIGCORE_SOURCE = {source}
sc = GD.get("{key}")
if sc is None:
    sc = {{"__name__": "madoguchi_sigcore"}}
    exec(compile(SIGCORE_SOURCE, "sigcore.py", "exec"), sc)
    GD["{key}"] = sc
row = json.loads(row_json)"""


def _with_sigcore(text: str, key: str) -> str:
    """``text`` with sigcore's source put into its PL/Python function (at ``{sigcore}``)."""
    source = _sigcore_source()
    if "$py$" in source:
        raise ServerError("sigcore.py must not contain the PL/Python quote $py$")
    return text.replace("{sigcore}", _SIGCORE_LOADER.format(source=repr(source), key=key), 1)


#: the signature check of releases and release events (v3; v8 adds the card history)
_SIGNATURE_PROBLEM = """CREATE {or_replace}FUNCTION signature_problem(kind text, row_json text) RETURNS text
LANGUAGE plpython3u STABLE SECURITY DEFINER SET search_path = madoguchi, pg_temp AS $py$
{sigcore}
{keys}
if kind == "release":
    return sc["check_signature"](row.get("auth_method"), sc["release_message"](row),
                                 row.get("signature"), *keys(row.get("officer_id"), row.get("issued_at")))
plan = plpy.prepare("SELECT row FROM madoguchi.releases WHERE id = $1", ["text"])
found = plpy.execute(plan, [row.get("release_id")])
if not found:
    return "its release is unknown to the server"
digest = sc["release_digest"](json.loads(found[0]["row"]))
return sc["check_signature"](row.get("auth_method"), sc["event_message"](row, digest),
                             row.get("signature"), *keys(row.get("staff_id"), row.get("at")))
$py$;"""
#: v3: the person's public keys and current card
_KEYS_V3 = """def keys(staff_id, at):
    plan = GD.get("madoguchi_keys_plan")
    if plan is None:
        plan = plpy.prepare("SELECT sign_pub, card_cert FROM madoguchi.staff WHERE id = $1", ["text"])
        GD["madoguchi_keys_plan"] = plan
    found = plpy.execute(plan, [staff_id])
    return (found[0]["sign_pub"], found[0]["card_cert"]) if found else (None, None)"""
#: v8: the person's public keys and the cards registered to them at the time of signing
_KEYS_V8 = """def keys(staff_id, at):
    plans = GD.get("madoguchi_keys_plans_v8")
    if plans is None:
        plans = (plpy.prepare("SELECT sign_pub, card_cert FROM madoguchi.staff WHERE id = $1", ["text"]),
                 plpy.prepare("SELECT card_cert, registered_at, replaced_at FROM madoguchi.staff_card_certs "
                              "WHERE staff_id = $1", ["text"]))
        GD["madoguchi_keys_plans_v8"] = plans
    found = plpy.execute(plans[0], [staff_id])
    if not found:
        return None, ()
    history = [(h["card_cert"], h["registered_at"], h["replaced_at"])
               for h in plpy.execute(plans[1], [staff_id])]
    if not history and found[0]["card_cert"]:
        history = [(found[0]["card_cert"], None, None)]
    return found[0]["sign_pub"], sc["certs_at"](history, at)"""


def _signature_problem(or_replace: str, keys: str) -> str:
    return _SIGNATURE_PROBLEM.replace("{or_replace}", or_replace).replace("{keys}", keys)


def _v3() -> str:
    return (_with_sigcore(_V3.replace("{signature_problem}", _signature_problem("", _KEYS_V3)),
                          "madoguchi_sigcore")
            .replace("{four_eyes}", _four_eyes(
                "OR REPLACE ", "", " (an event of the case at any terminal)"))
            .replace("{chain_continues}", _chain_continues(v3=True))
            .replace("{quarantine_triggers}", "\n".join(map(_not_quarantined, _V1_TRAFFIC))))


def _not_quarantined(table: str) -> str:
    """A quarantined terminal's rows are refused (v3's ``refuse_quarantined``)."""
    return (f"CREATE TRIGGER {table}_not_quarantined BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_quarantined();")


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
    + _rls("measure_events", True) + _not_quarantined("measure_events")


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

# v6: signed support-measure ledger (app.security.ledgersig). Every ledger event a terminal sends
# must be signed by the person it names — with the key or card the server holds for that person —
# over the event, its payload and the digest of the measure rows it carries (for a confirmation,
# also the digest of the event confirmed); its columns must be those of the event it carries. A
# row that does not hold is refused (naming the event and what was wrong) and an alert is written
# to the server log, so a terminal's owner cannot forge the second person, a linked-system
# confirmation, an end or a reconciliation sign-off with the sqlite3 shell or psql. The check is
# app/security/sigcore.py itself, run by PL/Python as v3 runs it for releases.
_V6 = """
CREATE FUNCTION ledger_signature_problem(row_json text) RETURNS text
LANGUAGE plpython3u VOLATILE SECURITY DEFINER SET search_path = madoguchi, pg_temp AS $py$
{sigcore}
try:
    payload = row.get("payload")
    payload = json.loads(payload) if isinstance(payload, str) else (payload or {})
except ValueError:
    return "its payload is unreadable"
if not isinstance(payload, dict) or payload.get("rows_digest") != sc["rows_digest"](row):
    return "the measure rows it carries are not the ones its signer signed"
ref = None
if row.get("kind") in sc["LEDGER_CONFIRMS"]:
    found = plpy.execute(plpy.prepare("SELECT row FROM madoguchi.measure_events WHERE id = $1",
                                      ["text"]), [row.get("ref_id")])
    if not found:
        return "the event it confirms is unknown to the server"
    ref = sc["ledger_digest"](json.loads(found[0]["row"]))
found = plpy.execute(plpy.prepare("SELECT sign_pub, card_cert FROM madoguchi.staff WHERE id = $1",
                                  ["text"]), [row.get("staff_id")])
keys = (found[0]["sign_pub"], found[0]["card_cert"]) if found else (None, None)
return sc["check_signature"](row.get("auth_method"), sc["ledger_message"](row, ref),
                             row.get("signature"), *keys)
$py$;

CREATE FUNCTION measure_events_signed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    doc jsonb := NEW.row::jsonb;
    problem text;
BEGIN
    IF NEW.id IS DISTINCT FROM doc->>'id' OR NEW.measure_id IS DISTINCT FROM doc->>'measure_id'
       OR NEW.kind IS DISTINCT FROM doc->>'kind' OR NEW.stage IS DISTINCT FROM doc->>'stage'
       OR NEW.system IS DISTINCT FROM doc->>'system' OR NEW.ref_id IS DISTINCT FROM doc->>'ref_id'
       OR NEW.office_day IS DISTINCT FROM doc->>'office_day' OR NEW.at IS DISTINCT FROM doc->>'at'
       OR NEW.staff_id IS DISTINCT FROM doc->>'staff_id'
       OR NEW.terminal_id IS DISTINCT FROM doc->>'terminal_id' THEN
        problem := 'its columns differ from the event it carries';
    ELSE
        problem := madoguchi.ledger_signature_problem(NEW.row);
    END IF;
    IF problem IS NOT NULL THEN
        RAISE WARNING 'madoguchi ALERT: terminal % sent support-measure ledger event % (%) by staff %: %',
            NEW.terminal_id, NEW.id, NEW.kind, NEW.staff_id, problem;
        RAISE EXCEPTION 'madoguchi: support-measure ledger event % (%) from terminal % refused: %',
            NEW.id, NEW.kind, NEW.terminal_id, problem USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER measure_events_signed BEFORE INSERT ON measure_events
    FOR EACH ROW EXECUTE FUNCTION measure_events_signed();
"""



# v7: official name readings (氏名の振り仮名, since 2025-05-26) and 旧氏 readings with the day they
# were recorded and their source (app.store.furigana); the same rules as the terminal's store, so
# that no import or administrator writes a reading a terminal would refuse to pull.
_V7 = f"""
ALTER TABLE residents ADD COLUMN furigana_family text, ADD COLUMN furigana_given text,
    ADD COLUMN furigana_date text, ADD COLUMN furigana_source text, ADD COLUMN former_furigana text,
    ADD COLUMN former_furigana_date text, ADD COLUMN former_furigana_source text;
ALTER TABLE residents ADD CONSTRAINT residents_readings_valid CHECK (
    {_furigana.valid_sql(dialect="postgres")});
"""


# v8: card history (app.security.cardauth): a card renewed or replaced keeps its certificate with
# its window (registered_at, replaced_at; ISO text, UTC, as the terminals write times), so releases
# and ledger events it signed still verify and nothing it signs afterwards does; comes down to
# every terminal. The signature checks take the card registered to the signer when the row says
# it was made. Re-lock
# confirmations obey the third-person rule here too: the confirmer neither released nor re-locked
# the release and never handled its case (opened it, is its clerk, or wrote any event of it at
# any terminal: the same rule as the engine and the store's trigger).
_V8 = """
CREATE TABLE staff_card_certs (
    id text PRIMARY KEY,
    staff_id text NOT NULL REFERENCES staff(id),
    cert_sha256 text NOT NULL,
    card_cert bytea NOT NULL,
    registered_at text,
    replaced_at text,
    seq bigint NOT NULL DEFAULT 0
);
CREATE INDEX staff_card_certs_staff ON staff_card_certs(staff_id);
ALTER TABLE staff ADD COLUMN card_cert_sha256 text UNIQUE;
UPDATE staff SET card_cert_sha256 = encode(sha256(card_cert), 'hex') WHERE card_cert IS NOT NULL;
INSERT INTO staff_card_certs(id, staff_id, cert_sha256, card_cert)
    SELECT 'card-' || id, id, card_cert_sha256, card_cert FROM staff WHERE card_cert IS NOT NULL;

CREATE FUNCTION card_history_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.staff_id <> OLD.staff_id
            OR NEW.cert_sha256 <> OLD.cert_sha256 OR NEW.card_cert <> OLD.card_cert
            OR NEW.registered_at IS DISTINCT FROM OLD.registered_at
            OR (OLD.replaced_at IS NOT NULL AND NEW.replaced_at IS DISTINCT FROM OLD.replaced_at) THEN
        RAISE EXCEPTION 'madoguchi: the card history is kept: only the current card can be marked replaced'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER staff_card_certs_kept BEFORE UPDATE OR DELETE ON staff_card_certs
    FOR EACH ROW EXECUTE FUNCTION card_history_kept();

{signature_problem}

{ledger_signature_problem}

CREATE FUNCTION relock_confirmed_by_third_person() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    rel record;
BEGIN
    IF NEW.kind <> 'relock_confirmed' THEN
        RETURN NEW;
    END IF;
    SELECT r.officer_id, r.handling_staff_id, r.case_id, c.opened_by INTO rel
        FROM madoguchi.releases r LEFT JOIN madoguchi.cases c ON c.id = r.case_id
        WHERE r.id = NEW.release_id;
    IF NEW.staff_id IN (rel.officer_id, rel.handling_staff_id, rel.opened_by)
            OR EXISTS (SELECT 1 FROM madoguchi.release_events e WHERE e.release_id = NEW.release_id
                       AND e.kind = 'relocked' AND e.staff_id = NEW.staff_id)
            OR EXISTS (SELECT 1 FROM madoguchi.case_events e
                       WHERE e.case_id = rel.case_id AND e.staff_id = NEW.staff_id) THEN
        RAISE EXCEPTION 'madoguchi: re-lock confirmation % from terminal % refused: % released, re-locked or handled case % (an event of the case at any terminal); a third person confirms a re-lock',
            NEW.id, NEW.terminal_id, NEW.staff_id, rel.case_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER release_events_third_person BEFORE INSERT ON release_events
    FOR EACH ROW EXECUTE FUNCTION relock_confirmed_by_third_person();
""" + _sequenced("staff_card_certs")


#: v8: the ledger's check (v6) with the card registered to the signer at the event's time
_LEDGER_KEYS_V6 = """found = plpy.execute(plpy.prepare("SELECT sign_pub, card_cert FROM madoguchi.staff WHERE id = $1",
                                  ["text"]), [row.get("staff_id")])
keys = (found[0]["sign_pub"], found[0]["card_cert"]) if found else (None, None)
return sc["check_signature"](row.get("auth_method"), sc["ledger_message"](row, ref),
                             row.get("signature"), *keys)"""


def _ledger_signature_problem_v8() -> str:
    start = _V6.index("CREATE FUNCTION ledger_signature_problem")
    text = _V6[start:_V6.index("$py$;", start) + len("$py$;")]
    if text.count(_LEDGER_KEYS_V6) != 1:
        raise ServerError("server migration 8 no longer finds the ledger's key look-up of migration 6")
    return (text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
            .replace(_LEDGER_KEYS_V6, _KEYS_V8 + """
return sc["check_signature"](row.get("auth_method"), sc["ledger_message"](row, ref),
                             row.get("signature"), *keys(row.get("staff_id"), row.get("at")))"""))


def _v8() -> str:
    text = (_V8.replace("{signature_problem}", _signature_problem("OR REPLACE ", _KEYS_V8))
            .replace("{ledger_signature_problem}", _ledger_signature_problem_v8()))
    # two PL/Python functions, each loading sigcore
    return _with_sigcore(_with_sigcore(text, "madoguchi_sigcore_v8"), "madoguchi_sigcore_v8")


# v9: a row's columns are what it carries. The server's rules (four eyes, own cases, "has handled
# the case") read the columns of cases, case events, releases and release events; the signature
# and every terminal that pulls the row read the row it carries (``row``). A terminal login with
# psql could otherwise name an uninvolved officer in the ``officer_id`` column of a release whose
# signed row is the officer's own self-release. Each such row is refused when a column differs
# from the same field of its row (ledger events: v6's ``measure_events_signed`` checks this).
_V9 = """
CREATE FUNCTION row_matches_columns() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = madoguchi, pg_temp AS $$
DECLARE
    cols jsonb := to_jsonb(NEW);
    doc jsonb := NEW.row::jsonb;
    c text;
BEGIN
    FOREACH c IN ARRAY TG_ARGV LOOP
        IF cols->>c IS DISTINCT FROM doc->>c THEN
            RAISE WARNING 'madoguchi ALERT: terminal % sent % % whose column % differs from the row it carries',
                NEW.terminal_id, replace(TG_TABLE_NAME, '_', ' '), NEW.id, c;
            RAISE EXCEPTION 'madoguchi: % % from terminal % refused: its column % (%) differs from the row it carries (%)',
                replace(TG_TABLE_NAME, '_', ' '), NEW.id, NEW.terminal_id, c, cols->>c, doc->>c
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER cases_row_matches BEFORE INSERT ON cases FOR EACH ROW
    EXECUTE FUNCTION row_matches_columns('id', 'case_type', 'terminal_id', 'opened_by', 'opened_at');
CREATE TRIGGER case_events_row_matches BEFORE INSERT ON case_events FOR EACH ROW
    EXECUTE FUNCTION row_matches_columns('id', 'case_id', 'n', 'at', 'staff_id', 'terminal_id', 'kind', 'step');
CREATE TRIGGER releases_row_matches BEFORE INSERT ON releases FOR EACH ROW
    EXECUTE FUNCTION row_matches_columns('id', 'case_id', 'officer_id', 'handling_staff_id', 'terminal_id',
                                         'decision', 'issued_at');
CREATE TRIGGER release_events_row_matches BEFORE INSERT ON release_events FOR EACH ROW
    EXECUTE FUNCTION row_matches_columns('id', 'release_id', 'kind', 'staff_id', 'terminal_id');
"""

SERVER_MIGRATIONS: list[ServerMigration] = [
    ServerMigration(1, "master data, case traffic, audit, witnesses, four-eyes", _v1()),
    ServerMigration(2, "audit chain continuity", _V2),
    ServerMigration(3, "signed releases, handled at any terminal, events into own cases", _v3()),
    ServerMigration(4, "support-measure ledger, outsourced staff", _V4),
    ServerMigration(5, "resident import log, central staff items and log", _V5),
    ServerMigration(6, "signed support-measure ledger events", _with_sigcore(_V6, "madoguchi_sigcore_v6")),
    ServerMigration(7, "official name readings and 旧氏 readings with date and source", _V7),
    ServerMigration(8, "card history; re-lock confirmed by a third person", _v8()),
    ServerMigration(9, "a traffic row's columns are the row it carries", _V9),
]
SERVER_VERSION = SERVER_MIGRATIONS[-1].version
#: functions of v3 a terminal's role may call
_V3_TERMINAL_FUNCTIONS = ("madoguchi.my_audit_head(), madoguchi.my_audit_hash(bigint), "
                          "madoguchi.report_divergence(bigint, text, bigint), "
                          "madoguchi.staff_credentials(bigint, bigint)")
#: staff columns no terminal login may read (they come through staff_credentials())
STAFF_SECRETS = ("password_hash", "sign_key")


def _staff_grant(conn: psycopg.Connection, ident: sql.Identifier) -> list:
    """SELECT on every staff column but the secrets (replacing a table-wide grant of v1–v2)."""
    cols = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = 'staff' ORDER BY ordinal_position", (SCHEMA,))
        if r[0] not in STAFF_SECRETS]
    return [sql.SQL("REVOKE SELECT ON madoguchi.staff FROM {}").format(ident),
            sql.SQL("GRANT SELECT ({}) ON madoguchi.staff TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, cols)), ident)]


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
        if before < 3 <= SERVER_VERSION:       # terminals registered before v3 get its functions
            for (role,) in conn.execute("SELECT role_name FROM madoguchi.terminals").fetchall():
                conn.execute(sql.SQL(f"GRANT EXECUTE ON FUNCTION {_V3_TERMINAL_FUNCTIONS} TO {{}}")
                             .format(sql.Identifier(role)))
                for statement in _staff_grant(conn, sql.Identifier(role)):
                    conn.execute(statement)
        if before < 8 <= SERVER_VERSION:       # terminals registered before v8 read the card history
            for (role,) in conn.execute("SELECT role_name FROM madoguchi.terminals").fetchall():
                conn.execute(sql.SQL("GRANT SELECT ON madoguchi.staff_card_certs TO {}")
                             .format(sql.Identifier(role)))
                for statement in _staff_grant(conn, sql.Identifier(role)):
                    conn.execute(statement)
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
                sql.SQL(", ").join(sql.Identifier(SCHEMA, t) for t in (*MASTER_TABLES, "terminals")
                                   if t != "staff"), ident),
            *_staff_grant(conn, ident),
            sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.SQL(", ").join(sql.Identifier(SCHEMA, t) for t in TRAFFIC_TABLES), ident),
            sql.SQL("GRANT USAGE ON SEQUENCE madoguchi.change_seq TO {}").format(ident),
            sql.SQL("GRANT EXECUTE ON FUNCTION madoguchi.current_terminal(), madoguchi.pull_horizon(), "
                    "madoguchi.record_witness() TO {}").format(ident),
            *([sql.SQL(f"GRANT EXECUTE ON FUNCTION {_V3_TERMINAL_FUNCTIONS} TO {{}}").format(ident)]
              if server_version(conn) >= 3 else []),
            *([sql.SQL("GRANT SELECT ON madoguchi.staff_card_certs TO {}").format(ident)]
              if server_version(conn) >= 8 else []),
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


def list_terminals(dsn: str) -> list[dict]:
    """The registered terminals with their login role and the time of their last sync."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT id, role_name, name, created_at, last_sync_at FROM madoguchi.terminals "
                            "ORDER BY id").fetchall()
    return [{"id": r[0], "role": r[1], "name": r[2], "created_at": r[3].isoformat(),
             "last_sync_at": r[4].isoformat() if r[4] else None} for r in rows]
