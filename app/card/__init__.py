"""The My Number card (マイナンバーカード): card files and the test card, the PC/SC stack for tests
and training, the reader service and the card protocol.

No Qt here: the UI talks to the reader service through callbacks and futures. Nothing in this
package logs, stores or prints a PIN.

Details:

Facts: `docs/CARD.md` (AIDs, EFs, status words). `layout.py` holds them as one table used
by both the reader and the test card, so the two cannot disagree.

- `service.py` — `ReaderService(on_event, poll_interval=1.0)`: ONE thread ("card-reader") owns the
  PC/SC context and every card call; a second tiny thread only interrupts its
  `SCardGetStatusChange` when work arrives (pcsc-lite drops a cancel that comes too early, so it
  repeats it). API (any thread, never blocks): `start()`, `stop()`, `readers() -> Future[list]`,
  `select_reader(name) -> Future` (the service never picks one; the choice survives unplug/replug),
  `state` (snapshot: service, readers, selected, card_present, card_kind, atr),
  `card_presence() -> Future[{reader: bool}]`,
  `submit(fn(card: MyNumberCard)) -> Future`, helpers `read_card(input_pin) -> Future[CardReadout]`,
  `tries_left()`, `verify(secret, pin)`, `sign_challenge(pin, challenge) -> Future[(sig, cert)]`.
  Events (`ReaderEvent.kind`, called ON THE CARD THREAD — bridge them): service_unavailable,
  service_available, no_reader, readers_changed (added/removed), reader_gone, reader_selected,
  no_card, card_inserted, card_removed, unknown_card (with `.error`), my_number_card;
  `event.message` is the (ja, en) status line. Polling fallback every `poll_interval`; a lost
  context (pcscd restart) is dropped and made again, the card re-identified.
- `protocol.py` — `MyNumberCard(link)`: `identify()` by AID (never the ATR), `tries_left(secret)`
  / `all_tries_left()` with `00 20 00 80` (no try used), `verify`, `change_pin`,
  `read_items_and_number(pin)`, `read_certificate(which)` → `CertificateSummary` (serial, subject,
  issuer, validity), `sign_with_auth_key(pin, message)` (DigestInfo, PKCS#1 v1.5),
  `full_read(pin) -> CardReadout` (a wrong PIN lands in `items_error`; tries and certificate are
  still there; `face_auth`, `pins_not_set`). `pin_states()`, `is_face_auth()`.
  `verify_auth_signature(cert, sig, message)`. `tlv.py` is the BER-TLV parser
  (long-form lengths; fuzzed), `apdu.py` builds/parses command APDUs.
- `errors.py` — every failure is a `CardError` with `ja`/`en` a clerk can act on and `detail` for
  the log: `WrongPin(secret, tries_left)`, `PinBlocked`, `PinFormatError` (refused before sending:
  no try used), `NoCard`, `CardRemoved`/`CardConnectionLost`, `ReaderGone`, `NoReader`,
  `NoReaderSelected`, `ServiceUnavailable`, `UnknownCard`, `CardMalfunction`, `MalformedResponse`,
  `PinNotSet` (`6A 88`: a face-authentication card),
  `InvalidCardData` (check digit)… Status words map through the table `STATUS_WORDS`, PC/SC codes
  through `transport.PCSC_ERRORS`.
- `admin.py` — PIN reset: `JLisTerminalAdministration` (real office: `request_reset` returns the
  clerk's instruction; the reset is done on the J-LIS terminal) and `TestCardAdministration(control
  socket)` (test card, test-only control channel — not an APDU); both `confirm_reset(service,
  secret) -> Future[ResetConfirmation]` read the retry counter (confirmed = full). Certificate
  renewal the same way: `request_renewal` (J-LIS: the instruction; test card: new key pairs and
  certificates from the test CA with the holder's new PINs, `RenewalRequest.valid_until`); the
  case confirms by reading the certificates again (`MyNumberCard.read_certificates`, the signing
  one after its password; `ReaderService.read_certificates`).
- `cardfile.py` — the test card's file (chip memory): four items, My Number, RSA-2048 keys,
  certificates under a cached test CA, PINs as salted hashes with their counters, state
  (`active`/`suspended`/`revoked`/`broken` = dead chip). `create_card_file(...)`,
  `load_card_file`, `TRAINING_PINS`. Written atomically on every counter change.
- `emulator.py` — the test card on vpcd (`TCP_NODELAY` + `TCP_QUICKACK`, reconnects after a pcscd
  restart) and its control socket (`status`, `reset_pin`, `renew_certificates`,
  `switch_to_face_auth` (PINs and signing certificate removed), `pull_at_apdu`, `reinsert`; a
  renewal or a switch is refused while the card is off the reader).
  `madoguchi card emulator --card FILE [--port P] [--control SOCK]`.
- `stack.py` — `PcscStack`: a private `pcscd -f` in its own mount namespace (pcsc-lite 1.9.9's
  daemon ignores `PCSCLITE_CSOCK_NAME`, so our folder is bind-mounted on `/run/pcscd` there, and
  the USB driver folder is hidden so it never takes a real reader), a free vpcd port pair, clients
  pointed at it with `PCSCLITE_CSOCK_NAME` (`use_in_this_process()` before the first PC/SC call).
  `insert(card_file, slot)`, `remove(slot)`, `reinsert(slot)`, `restart_pcscd()`, `unplug_readers()`/`plug_readers()`,
  `control(slot, request)`; readers `Virtual PCD 00 00` / `00 01`. Each returns only once pcscd
  itself reports the reader state (`wait_for_reader`, SCardGetStatusChange), never after a sleep. Training mode: call
  `point_at_training_stack()` at start-up BEFORE `ReaderService.start()` (libpcsclite reads the
  socket variable once per process), then `training_stack()` off the GUI thread starts pcscd (the
  service reports service_available and finds the tray's cards by itself); `stop_training_stack()`
  at exit. `madoguchi card stack [--insert CARD]…` runs one in the foreground for demos and
  prints the `export PCSCLITE_CSOCK_NAME=…` line for other shells. pcscd ends with the process (keeper thread + `setpriv
  --pdeathsig`). Tests: session fixture `pcsc_stack`, `card_file`, `inserted_card` in
  `tests/conftest.py`; log `<tmp>/pcsc*/pcscd.log`.
- `cli.py` — `madoguchi card readers [--json]`, `madoguchi card read [--reader NAME] [--json]
  [--pin-stdin] [--no-pin] [--show-number]` (reader: `--reader`, else `OfficeConfig.default_reader`,
  else the only reader, else the only reader with a card; never a guess among several). Exit 0 read, 1 PIN refused, 2 usage, 3 card/reader.
- `surface.py` — the card-surface check application (券面事項確認AP): the chip check's layout (with
  its public sources), 照合番号B, the signature check against the CA the terminal trusts, JPEG 2000 →
  PNG; `MyNumberCard.read_surface(code, ca)` / `ReaderService.chip_check`. The test card carries it
  (drawn face, images, signed by the test CA; `forged_surface` signs with a key of its own), and a
  face-authentication card (`face_auth`: no PIN set — VERIFY answers `6A 88` — no signing certificate).
- Benchmark: `benchmarks/card.py` (full read through the service; APDU round trip).

Start-up (`madoguchi card readers` is run many times a day; `benchmarks/startup.py` times it
beside `--version` and beside its floor, python + pyscard + the same APDUs): the modules the
diagnostics load keep their imports light. Records are `collections.namedtuple` subclasses or
plain classes, not dataclasses (dataclasses brings `inspect`; `typing.NamedTuple` compiles every
string annotation) — together a fifth of the command's time. datetime, cryptography, hashlib and
the card-file module are imported in the functions that use them. After a job the card thread
lingers `linger` seconds for the next one before it waits on PC/SC again, so a series of jobs
(the diagnostics' reader by reader; a read then a signature) needs no `SCardCancel` between them.
The diagnostics make the service with `log_events=False`: they print what they see, and the log
keeps the counter's card history (errors are logged always).
"""
