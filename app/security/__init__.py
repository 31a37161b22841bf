"""Security of the counter (no Qt): staff accounts and sign-in (password or the staff member's own
card), the DV restriction stage of the decision pipeline, two-person release of a restriction,
DV/stalking support-measure records, and the append-only hash-chained audit log.

This package decides who may do what and records that it happened. It never shows anything
(screens live in ``app/ui``) and never stores, logs or prints a PIN or a My Number.

Details:

Who may do what, and the record that it happened. Nothing here shows anything or holds a PIN.

- `staff.py` — accounts: one per person (unique login, employee number `employee_no`, one card
  certificate per account), roles from `app.rules.codes.Role` (one account may hold several),
  Argon2id password hashes, lockout after `security.lockout_attempts` failures for
  `security.lockout_minutes` (to a wrong password the same message for unknown, disabled and locked accounts; a failed sign-in names the account only when the login exists), and
  the UI-free `Session` (`touch(now)` / `is_locked(now)` with monotonic seconds; idle limit
  `security.idle_lock_minutes`; only the same person unlocks). A sign-in returns an
  `Authenticated` proof with an HMAC under a per-process key: code cannot hand-build one.
- `cardauth.py` — card sign-in: `new_challenge(terminal)` → `app/card`'s
  `ReaderService.sign_challenge(pin, challenge.message)` (SHA-256 DigestInfo, RSA PKCS#1 v1.5, the
  JPKI authentication key after the holder's PIN) → `authenticate_card(store, challenge,
  signature, cert.der, terminal_id=...)` checks the certificate registered to the account
  (`register_card`, `madoguchi staff register-card`), its validity period and the signature; a
  challenge is single-use and lives 120 s. Proven against the real test card over pcscd + vpcd.
  A card registered anew keeps the previous one in the card history (`staff_card_certs`,
  registered/replaced at; `release_record.card_history`, `sigcore.certs_at`): a signature is
  checked against the card registered at the time the row states.
- `audit.py` — the append-only, hash-chained audit log (`audit_log`, migration 3): `append(conn,
  ...)` inside the caller's transaction (queues outbox kind `'audit'` in it too), `record(store,
  ...)` on its own. Each entry's SHA-256 covers canonical JSON of all its fields including the
  previous hash. The database refuses UPDATE/DELETE; `verify()` / `madoguchi audit verify --store
  PATH` walks the chain (hash, link, no gaps; a clean stretch proven in one SQL pass, the
  entry-by-entry reference walk from the first entry it cannot prove), compares the outbox copies, the server-witnessed
  head (`sync_state['audit_witness']` = `{"seq", "hash"}`, written by sync) and checks that the
  triggers are still there; exit 1 naming the first broken entry. Keys naming a PIN, password or
  My Number are refused; 12-digit runs are masked. Someone with the sqlite3 shell who drops the
  triggers and rebuilds the whole chain is caught only by the witness or the outbox copies: sync
  often.
- `clock.py` — `Clock` (wall + monotonic + boot id; tests pass their own) and the store's
  `store_clock` high-water mark: expiry is judged on `max(now, latest time the store saw)`, so a
  clock moved backwards never stretches a release.
- `measures.py` — support measures: `create_measure` (one year: 2020-04-01 → 2021-03-31),
  `apply_provisional` / `decide` (仮支援措置 blocks at once), `renew` (from one month before the
  end, for one year from the day after the old end; never automatic), `end_measure` (the ONLY way
  a measure ends: one past its end date still blocks), `add_members` (protected household
  members), `forward` / `record_receipt` / `record_received` (to whom, when, receipt). Every change
  needs a signed-in support officer and is audited. No perpetrator phone: no column, and
  phone-like particulars are refused. `protected_ids(conn, ids)` tells search results at once who
  is protected; the DB refuses `level = 'alert'` for a support measure (DV restrictions always
  block). `madoguchi measures list|end|renew|forward`.
- `restriction.py` (loaded by the pipeline as `app.security.stage:restriction_stage(store, ctx)`)
  — runs first at every restricted decision point. Over every person in `scope.persons` and
  `scope.mail_to` under a measure in force: REFUSE the perpetrator (folded name/kana + birth date
  or address, his resident record, his lawyer on record; a professional whose client's name is
  his), with the 調査嘱託 guidance for a court purpose; REFUSE a self-claimant without photo ID
  whose stated address/sex/birth date differ from the record (ask for them when missing); REFUSE
  after the officer's refusal; ALLOW only on a valid release (data: `release_id`,
  `release_expires_at`); else RESTRICT. Every decision is audited per protected person.
  `record_lookup(store, ids, ...)` logs a look-up of protected persons (for search and record
  views).
- `release.py` — `grant` / `refuse` (the officer's reason) by a fresh (`security.auth_fresh_seconds`)
  support-officer sign-in; bound to the case, the exact persons (+ mail_to), the documents and
  `scope_digest(scope)`; expires after `security.release_minutes` (default 15) by the store clock
  and, on the same boot, the monotonic clock; refused when the wall clock is behind the issue
  time. **The officer is never anyone who handled the case** (handling clerk, opener, author of
  any case event), whatever roles they hold — no setting exists for it; the `releases` triggers
  refuse officer = clerk/opener and non-officers. `use` (single use; the engine calls it on
  completion through `pipeline.on_complete`; a release also opens nothing once its case ended),
  `void_changed` (request changed → void for good), `relock` (officer), `confirm_relock` (a third
  person, DB-enforced), `pending_relock(conn)` (the "re-lock not yet confirmed" list; `madoguchi
  security pending-relock`). Outbox kinds `'release'` and `'release_event'`.
- `sigcore.py`, `keys.py` — every release, refusal, re-lock and confirmation is **signed** by who
  gives it (password: own Ed25519 key wrapped under an Argon2id key; card: JPKI auth key) and
  checked by the engine, `audit verify`, the self-test and the server (PL/Python running
  `sigcore.py`). Threat model, logins and limits: docs/SECURITY.md.
- `ledgersig.py` — every support-measure ledger event (`registration.py`) is signed the same way;
  the engine reads only events that verify, `audit verify` / the self-test name the others, the
  server refuses them on push (docs/SUPERVISOR.md).
- `settings.py` — security settings with defaults and ranges; `change()` audits every change.
- `selftest.py` — `madoguchi security selftest [--store PATH]`: on a scratch store, proves with the
  real code and triggers that a protected person blocks (and the case pipeline runs that check
  first), the perpetrator is refused, the clerk
  cannot self-release (Python and DB), a release opens exactly its request and expires, no alert
  level, and the audit log catches an edit; with `--store` it also checks that store's guards and
  records the result (`settings['security.selftest']`, audit `selftest.pass|fail`). Non-zero exit:
  do not go live. Run it on installation and every update.
- `demo.py` — the published training accounts for the demo store (`madoguchi staff demo`, run by
  `make run` after `demo-data`):

  | login | password | roles |
  |---|---|---|
  | clerk1 | clerk1-kenshu | clerk |
  | clerk2 | clerk2-kenshu | clerk (confirms a re-lock as the third person) |
  | officer1 | officer1-kenshu | support_officer |
  | officer2 | officer2-kenshu | support_officer |
  | admin1 | admin1-kenshu | administrator |
  | dual1 | dual1-kenshu | clerk + support_officer (never releases a case she handles) |
"""
