"""The counter window (PySide6). The ONLY package that imports Qt.

Pages here render what the UI-free layers decide (workflow steps, rule decisions, card state);
they never decide a rule themselves, never block on the card reader and never keep a PIN.

Details:

`madoguchi` with no sub-command → `app.cli._open_window` → `app.ui.main.run(args)`. Widgets render
what the layers below decide and send the clerk's actions down; they never decide a rule.

- `main.py` — the QApplication (high-DPI pass-through, font, style, language) and the `Controller`
  that moves sign-in → main window → idle lock. An application-wide event filter (`IdleWatcher`)
  touches the security `Session` on every key or click; a 1 s timer asks `Session.is_locked()`.
  The sign-in window is shown first; the store and `app.security` load right after
  (`Services.prepare`), so the window appears before the slow imports (Argon2, cryptography).
  `Controller.close()` (app exit, every test) removes the filter, stops the timer and deletes the
  windows on the GUI thread. Worker threads hand results over only through
  `app.ui.cardbridge.post` (an app-lifetime carrier; the callback runs only if its owner exists).
- `services.py` — `Services`, the window's one door to the counter: a thin adapter over
  `app.desk.Desk` (attribute access falls through to the desk: sign-in and session, cases, queue,
  resident search, documents, gate summary, sign-off) plus what only Qt can do: the signals the
  card panel listens to and the flows that wait on the card (card sign-in, card read into a
  case). `Services(..., card_service=, stack=, with_card=)` lets tests hand in the session's stack.
- `cardlink.py` — `CardSide`, mixed into `Services`: `start_card()` starts
  `app.card.service.ReaderService` (in training mode after the private PC/SC stack of
  `app.card.stack.training_stack()` is up, off the GUI thread); its events become the panel's
  `CardView`; retry counters, the reader choice, the training tray and the training card's
  administration (`TestCardAdministration`; the holder types the new PIN on `NewPinDialog`). What
  a card read fills in a case (`CARD_FILLS`, `COUNTER_FIELDS`, `CERTIFICATE_FIELDS`; a step's declared `card` actions) is `app.desk.cardfill`.
- `cardbridge.py` — `CardBridge(QObject)`: the card service calls `on_card_event(ev)` on its own
  thread; the bridge re-emits it as a Qt signal, delivered queued on the GUI thread.
  `when_done(future, callback)` calls back on the GUI thread when the card thread has finished a
  request (asserted). The GUI never waits for the card.
- `signin.py` — password, or the staff member's own card (PIN typed by that person; cleared at
  once). `cardpanel.py` — reader chosen from a list (remembered as `OfficeConfig.default_reader`),
  card state, tries left per secret read from the card, red at or below `LOW_AT` (0 = blocked).
  `tray.py` — training only: put demo cards on the two vpcd readers of `app.card.stack`.
- `mainwindow.py` — today's queue (tabs: open, paused, awaiting sign-off, done today), one
  "new case" button per registered case type (names and shortcuts from `app.workflows.registry`), resident search with the restriction flag shown in
  the result row at once and the My Number masked. A case left `open` on this terminal (the app
  stopped mid-case: leaving a case through the window always pauses it) is reopened after sign-in.
- `casepage.py` — one generic page for every step of every case type, built from the engine's
  `StepView`: checklist (each tick shows who and when), fields by kind, guide text, Next/Back/Pause/
  Abandon. Next is disabled while `blocking` has reasons, and the reasons are listed. Every tick and
  value goes to the engine at once (a crash loses nothing). Refusals and decisions show each
  reason (ja/en) with its source; decision data is shown through `DECISION_DATA_RENDERERS`.
  Enter anywhere on the page (outside a text field) is Next; Alt+← Back; Ctrl+P Pause.
- `restriction.py` — `RestrictionWarning`: white on deep red, full width, no close button, shown
  while the case is `awaiting_release`; the only way on is `SignOffDialog` (Ctrl+Shift+S): request
  summary, the officer's checklist (request form, identity documents, documents and scope, support
  record), sign-in on the spot, release or refuse; the engine then re-judges the case. A release in
  force shows its remaining time, counting down; when it runs out the page re-renders.
- `chipcheck.py` — the chip check of an identity step: 照合番号B typed from the card (security code
  not echoed, every part cleared after the read), the chip's photo (JPEG 2000 turned PNG below Qt:
  Qt has no JPEG 2000 plugin) and items beside the record, the signature verdict; the clerk's word
  goes to ``Desk.record_chip_check``. The card panel names a face-authentication card.
- `pindialog.py` — the resident's PIN dialog: password echo, on-screen pad, no IME; the PIN goes
  straight to the card thread and the field is cleared. Nothing stores or logs it. `NewPinDialog`:
  the holder types a new PIN twice (pattern per secret). `residentpicker.py`: search dialog for
  `resident`/`residents` fields, restriction flag in every row. `passworddialog.py`: File →
  Change my password (old, new twice; `Desk.change_own_password` decides, fields cleared).
- `preview.py` — the documents of a case: `PdfPreview` shows the PDF with QtPdf (`QPdfDocument` /
  `QPdfView`, PySide6-Addons; no poppler on the terminal) and prints each page at 300 dpi; "save
  as PDF" writes the bytes as made. `benchmarks/preview.py`: preview shown, goal ≤ 60 ms.
- `i18n.py` — source strings are English (`self.tr`), `resources/translations/madoguchi_ja.ts`
  holds the Japanese; `make ts` runs `pyside6-lupdate`, `make translations` builds the `.qm`.
  Every widget has `translateUI()` registered with `i18n.translate_ui`, so Language ▸ 日本語 /
  English (Ctrl+Shift+J / Ctrl+Shift+E) relabels every open window; the choice is saved in the
  config. Texts carried by data (rules' `Reason`, steps, items) are picked with `i18n.pick`.
  A test refuses a translation whose `{placeholders}` differ from the source.
- `theme.py` — IPAex Gothic from `resources/fonts/` (the Debian copy as fallback), 12 pt base,
  dark-on-white with strong focus frames; every window fits 1366×768 (tested).
- `syncstatus.py` — the status-bar sync indicator: last sync, pending outbox rows, errors in
  plain words, cases waiting for an officer; right-click "Sync now". It runs
  `app.sync.service.SyncService` off the GUI thread and receives its status through a Qt signal;
  on a standalone or training store it says 「スタンドアロン（同期なし）」 and starts no thread.
- `about.py` — Help ▸ About: `app.support.support_info()` (version, store path, reader, sync
  state, config path) as selectable text with Copy, gathered off the GUI thread, for the help desk.
- `firstrun.py` — before sign-in on an unconfigured live terminal: a form built from
  `app.config.FIELDS`/`FIRST_RUN_KEYS`, each field validated by the config layer; nothing is
  written until every field is valid. A damaged config file is shown in a window at start.
- Resident searches from the window (search box and resident picker) write an audit entry for
  every result under a support measure (`app.security.restriction.record_lookup`, DV point 11).
- `screenshots.py` — `make screenshots`: drives the real window through every screen in both
  languages and saves `docs/screenshots/*-{ja,en}.png`.
- Tests: `tests/ui/` (pytest-qt, offscreen): sign-in and idle lock; every case type to
  completion (status inquiry and copy issuance on a real store; PIN reset and suspension lift
  through pcscd + vpcd + the test card via the tray); the DV path; a card pulled mid-case; the app
  SIGKILLed mid-case and reopened (`crash_child.py`); translations. Modal dialogs are reached
  through small class methods (`ResidentPinDialog.ask`, `SignOffDialog.run`,
  `ResidentPickerDialog.choose`, `NewPinDialog.ask`) that tests replace with drivers of the real
  dialog. Benchmarks: `benchmarks/ui.py` (cold start to the sign-in window, ready-for-sign-in,
  idle RSS).
"""
