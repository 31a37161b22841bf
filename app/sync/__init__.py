"""Sync with the office's central PostgreSQL server (本庁の中央ストア).

Owns the central schema and its migrations (``server_schema``), pushing the local outbox
(``push``), pulling master data and sign-off traffic by the server's change sequence (``pull``),
the fail-closed rule for stale support-measure data (``freshness``), the background service and
its status (``service``) and the ``madoguchi sync`` / ``madoguchi server`` commands (``cli``).

Must not import Qt; must never write a password to a file, the store or a log (the database
password lives in the OS keyring, ``credentials``).

Details:

Each terminal works from its own store and syncs with the office's central PostgreSQL server
(`madoguchi` schema, versioned migrations in `app/sync/server_schema.py`, applied by
`madoguchi server init --dsn ADMIN_DSN`). One login role per terminal (`madoguchi server
add-terminal`): SELECT on master data, SELECT/INSERT on case traffic, nothing else.

- **Schema v3** (issue 14): signatures checked on releases and re-locks (plpython3u), events only
  into a terminal's own cases, terminals quarantined on a rewound/rewritten audit chain, staff
  secrets not readable by terminal logins (docs/SECURITY.md).
- **What the database enforces**: foreign keys to `terminals` and `staff` (unknown terminals or
  staff are refused); row-level security lets a terminal insert only rows carrying its own terminal
  id (audit rows are not even readable by other terminals); the trigger `releases_four_eyes`
  refuses a release whose officer opened or handled the case, or is not an active support officer
  (also for the administrator's own connection); cases, events, releases, release events and audit
  entries are append-only (no grant, plus triggers against UPDATE/DELETE/TRUNCATE); an audit entry
  that does not continue the chain the server holds for that terminal is refused (schema v2).
  Terminals cannot write `seq` (column-level INSERT grants).
- **Push** (`push.py`): the outbox in order, in batches: COPY into a temp table, then
  `INSERT … ON CONFLICT (id) DO NOTHING` per kind in dependency order, one server transaction per
  batch; rows are marked `pushed_at` locally only after the commit. A cut connection means a resend
  that the stable ids make harmless. Kinds: `case`, `case_event`, `release`, `release_event`,
  `audit` (other kinds stay queued and are reported). After pushing, `record_witness()` stores the
  terminal's audit chain head on the server and the answer in `sync_state['audit_witness']`
  (`{"seq","hash"}`, checked by `madoguchi audit verify`).
- **Pull** (`pull.py`): master tables carry a server-assigned global change sequence `seq` (trigger
  on insert/update); writers hold one advisory lock until commit, and `pull_horizon()` returns the
  highest sequence whose writers have committed, so a reader never skips a late commit. Each table
  is streamed from a server-side cursor and upserted locally in batches; the per-table cursor
  (`sync_state['pull:<table>']`) commits with each batch, so an interrupted first sync resumes.
  A member taken off a support measure is marked `removed` on the server and deleted locally.
  Staff lock-out counters stay per terminal.
- **Remote sign-off** (`signoff.py`): cases opened at other terminals that have a `gated` event
  (awaiting the support officer) come down with all their events, so they appear in the officer's
  queue on any terminal (`remote_queue(store, terminal_id)`); the officer releases or refuses
  there with `grant_remote` / `refuse_remote`, which rebuild the request from the `gated` event
  (checked against its digest; the officer's own engine would name the officer as handling staff)
  and call `app.security.release.grant/refuse` — same rules as in-app. Releases and release events
  decided at another terminal for such cases come down to the terminal that waits. Rows a terminal
  wrote itself never come back.
- **Fail closed** (`freshness.py`): `sync_state['support_pulled_at']` is the server's time when its
  support measures were last read; their age is the monotonic time since (stale after a reboot
  until the next pull). Past `sync.support_max_age_minutes` (default 10), or never, every case
  with a person or a mailing address in scope gets RESTRICT with reason
  `sync.support_data_stale` (`stale_support_reason(store, scope)`, applied by the restriction stage)
  until a sync succeeds or a support officer releases the case. Wired into the DV restriction
  stage (`app.security.restriction.stale_support_decision`, used when no protected person is known
  in scope; `release.grant` accepts such a request while the data is stale and audits it against
  the case). Training/demo stores are standalone: `sync.standalone = true`
  (`mark_standalone(store)`), and a store holding the demo municipality (`settings['demo']`) is
  standalone unless the setting says false — it never syncs and is never stale; without the
  setting, a store that never synced on a terminal with no server configured counts as standalone.
- **Operation**: `madoguchi sync [--store]` runs one round (exit 0 ok, 2 not configured/standalone/
  wrong store, 3 unreachable, 4 password missing/refused, 5 data refused by the server);
  `madoguchi server login` stores the password in the OS keyring (service `madoguchi-sync`,
  account `user@host:port/db`) and the address in the office configuration, never the password;
  `madoguchi sync-status`. `SyncService(store_path, SyncTarget)` runs rounds on its own thread
  (every `sync.interval_seconds`, default 60; every `sync.poll_seconds`, default 5, while a case
  of this terminal awaits release; at once on `request()`), `status()` returns a `SyncStatus`
  (last sync, pending events, error in plain words, stale support data and why, waiting cases) and
  `on_change(status)` is called from the sync thread (hop to the GUI thread before touching a
  widget). A store is bound to one terminal id for life.
- **Going live** (issue 18; walk-through in docs/INSTALL.md, run by tests/packaging/test_golive.py):
  `importer.py` loads residents, households and cards from the resident-record system's export in
  the interchange layout (中間標準レイアウト; items and code tables as data in
  `resources/import/layout.json`, read by `layout.py`): every row checked, all or nothing, COPY,
  upsert by natural key (re-import changes nothing); `export_layout.py` writes a store in that
  layout (docs/samples/layout). `staff_admin.py`: `server staff …` on the central server, pulled
  like any master table. The live store is one per terminal (`app/store/shared.py`,
  `/var/lib/madoguchi`, group `madoguchi`) and synced by the system account `madoguchi` with the
  password from `credential.py` (readable by that account only); clerks' windows do not sync.
- **Tests** start a throwaway cluster (`app/sync/scratch.py`: initdb as the `postgres` user, own
  port and Unix socket, scram passwords for terminal roles) and cut connections with a loopback
  proxy; `scripts/run-tests.sh` runs pytest in a private D-Bus session with an unlocked
  gnome-keyring so the keyring is real.
"""
