"""The counter desk (窓口の業務): what a clerk does at the counter, without Qt.

This package owns the counter's use cases; the window (``app.ui``) keeps widgets, signals and the
card reader's Qt bridge only, and reaches all of this through the thin adapter
``app.ui.services``. A test drives every case type to completion through this package with no Qt
loaded (``tests/desk/test_desk.py``).

* :mod:`app.desk.counter` — :class:`Desk`: the store of one terminal, the signed-in staff member's
  session, open / resume / drive a case through the case engine, resident search (every look-up
  of a protected person audited), the words for a case's values, the support officer's sign-off
  on the spot;
* :mod:`app.desk.documents` — the documents of an ended case: its processing slip, a refused
  case's refusal notice, and the copies a completed issuance case issues (once); the case's
  events are replayed once for all of them and the slip is rendered once;
* :mod:`app.desk.cardfill` — what a card read fills into a case (``CARD_FILLS``), the steps where
  a PIN is reset (``RESET_STEPS``) and the card actions a step offers;
* :mod:`app.desk.queue` — today's cases by queue tab;
* :mod:`app.desk.gate` — the summary of a request stopped at the sign-off gate;
* :mod:`app.desk.search` — how the one search box is read.
* :mod:`app.desk.supervisor` — the supervisor's views: the day's and month's figures, the queues
  that need a supervisor, the issuance history (docs/SUPERVISOR.md);
* :mod:`app.desk.reports` — the daily and monthly reports and the monthly reconciliation of the
  support-measure ledger (text, JSON, CSV, PDF); :mod:`app.desk.cli` — ``madoguchi measures`` and
  ``madoguchi report``;

Nothing here decides a rule: decisions come from ``app.workflows`` (through ``app.rules`` and
``app.security``); documents come from ``app.printing``; case types and their names come from
``app.workflows.registry``. The desk may import every UI-free package; nothing but ``app.ui``
imports the desk.
"""

from app.desk.counter import Desk, ReleaseView, SignInResult, StartError  # noqa: F401
