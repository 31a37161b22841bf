"""The local store: one SQLite file per terminal, opened through :func:`open_store`.

Owns the schema and its migrations (``app.store.schema``), the domain tables, resident search and
the demo municipality. Knows nothing of Qt, cards or printing.

Details:

One SQLite file per terminal (WAL, foreign keys, busy timeout), `PRAGMA application_id` marks it
as ours and `PRAGMA user_version` is the schema version. Migrations in `app/store/schema.py` are
an append-only ordered list, each applied in one transaction. A newer or foreign file is refused
untouched. Rows that travel have UUID ids; rows from the server carry its change sequence `seq`;
rows the terminal writes for the server are queued in `outbox` in the same transaction.
Cases are an immutable header (`cases`) plus append-only events (`case_events`, enforced by
triggers).

| module | owns |
|---|---|
| `db.py`, `schema.py` | opening, refusing, migrating; the schema |
| `modes.py` | file modes: 0600 in 0700 (shared store: 0660 in 2770); a store readable by others is refused |
| `normalize.py` | folding names, kana and addresses into search keys (`fold_address`/`same_address`: THE address comparison of search, restriction, destinations and printing); reading typed birth dates (ISO, 19800401, 昭和55年4月1日, S55.4.1, a year or month) and sex |
| `furigana.py` | official name readings (氏名の振り仮名, since 2025-05-26) and 旧氏 readings: katakana only, date from 2025-05-26, source (本籍地 notice / the person's notification / 職権); one SQL condition for the store's triggers and the server's CHECK; kept apart from the search kana, which is never certified |
| `residents.py` | `with_search_keys(row)` / `insert_resident(conn, row)`; `refresh_search_keys(conn)` recomputes every key (after a change of the folding rules) |
| `search.py` | `search_residents(store, ResidentQuery(...)) -> SearchResult(hits, truncated, strategy)` |
| `demo.py`, `demo_pools.py` | the demo municipality 研修市 (`madoguchi demo-data`) |
| `cli.py` | `store info` (with SQLite's quick page check), `store check` (full integrity check), `store reindex` (recompute every search key), `demo-data`, `residents find` |

**Search.** Names match by prefix on folded keys: NFKC, hiragana→katakana, small kana→full size,
spaces and separators dropped, Latin upper-cased, radical forms (⻑, ⼾) and name variants
(髙→高, 﨑→崎, 邊/邉→辺, 齋/斎→斉 …) folded. NFKC alone is not enough: it turns the Kangxi radical ⼾
into the traditional 戶 and leaves the CJK radicals supplement alone, so both are mapped
explicitly. Keys: `name_key`, `kana_key`, `alias_key`/`alias_kana_key` (通称),
`former_key`/`former_kana_key` (旧氏 + given name), `furigana_key`/`former_furigana_key` (the
official readings, 氏名の振り仮名 and 旧氏の振り仮名; kept by triggers of their own), each with its own
index; a kana query is compared with the kana keys, the reading keys and `name_key` (names
written in kana). **The store keeps the
keys right itself**: triggers on `residents` (migration 7) recompute every key from the stored
originals after each insert and each update of a name, kana, alias, former surname or address,
calling the folding functions that every `Store` connection registers
(`db._register_functions`); so sync, tests and samples may write any placeholder keys. (A
connection without those functions — the sqlite3 shell — cannot write residents' names.)
`name_key` and `kana_key` are indexed together with birth date, sex and address key
(`residents_name_search`, `residents_kana_search`), so a name search filters the other items
inside the index before reading rows. The index is chosen
by a small strategy table, most selective first: an exact birth date (`residents_birth`, a few
dozen people a day even at 4 M), else a name prefix (one index range per key column, merged,
stopping at the limit), else an address fragment: a trigram FTS5 index (`address_fts`) over the
distinct folded addresses (`addresses`, INTEGER PRIMARY KEY so VACUUM never renumbers what the
index points at; kept in step by triggers on `residents`), then residents by `address_key`. A
fragment of two characters scans the address list instead. The other given items filter the
rows found. A My Number is validated (check digit) before any look-up. Every hit carries
`restricted` (target or protected member of a measure not `ended`; a measure past its end date
still restricts until an officer ends it — a flag only, the decision is app.security's) and
`status`/`removal_*` (除票 are found and marked). Empty, sex-only, too long, future or impossible
dates, a bad check digit: `SearchError`, worded ja / en. `ResidentHit.to_json()` masks the My
Number and resident code unless asked.

**Demo municipality.** `madoguchi demo-data --store PATH --residents N [--seed S] [--as-of DATE]
[--force]`. Deterministic: one `random.Random(seed)`, a fixed reference date (default
2026-11-01, `settings.demo` records it), ids as UUID4 text from the seeded source, My Numbers
and resident codes from an affine permutation (unique without remembering), so one seed gives a
byte-identical file. Residents are built in chunks of 200 000, each with its own random
stream (seed, chunk number), by up to two worker processes (fork; `MADOGUCHI_DEMO_WORKERS=1`
for one) into plain SQLite files that the parent merges in chunk order with `INSERT … SELECT`;
the bytes are the same whatever the number of workers. Households follow the 2020 census shares (one person, couples, couples with
children, one parent, three generations, siblings, lodgers, foreign singles and families) with
続柄 世帯主/妻/夫/子/子の妻/孫/父/母/兄弟姉妹/同居人/縁故者; removed records (deceased spouses,
children moved out with destination); foreign residents (8 nationalities, residence status,
period, expiry, card number, 通称 mostly for special permanent residents); 旧氏 for some wives;
cards in every state (active, suspended after loss with certificates held, revoked as returned,
reissued, renewed or on death, PIN-locked through `locked_pins`, no signing certificate when
issued under 15); applications with 23-digit ids in every status; about 0.1 % of residents under
support measures (perpetrators named; some living here with `perpetrator_resident_id`, some
elsewhere, some with a lawyer; provisional, running, past their end date, ending soon, ended;
protected children; forwardings; a provisional measure kept as former municipality after a
move). Test-card files for eight residents (adult, under 15, PIN-locked, suspended after loss,
revoked, moved out with a suspended card, foreign, protected) via
`app.card.cardfile.create_card_file`, in `<store stem>-cards/`, referenced by `cards.card_file`
relative to the store's folder; training PINs are `cardfile.TRAINING_PINS`. Staff accounts come
from `madoguchi staff demo` (app.security). The file is built as `.NAME.building-PID` beside the
target with journaling off and secondary indexes and triggers dropped, then indexes, the address
index and triggers are rebuilt, `ANALYZE` runs, and the file is fsynced and renamed over the
target (its stale `-wal`/`-shm` removed first). A full disk, an error or Ctrl-C removes the
partial file; an existing store is replaced only with `--force`, a non-store file never.
"""

from app.store.db import (
    LATEST_VERSION,
    NewerStoreError,
    NotAStoreError,
    Store,
    StoreError,
    StoreNotFoundError,
    new_id,
    now_iso,
    open_store,
)

__all__ = [
    "LATEST_VERSION",
    "NewerStoreError",
    "NotAStoreError",
    "Store",
    "StoreError",
    "StoreNotFoundError",
    "new_id",
    "now_iso",
    "open_store",
]
