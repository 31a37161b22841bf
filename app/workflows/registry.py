"""The case types the counter offers, declared once each, in menu order.

A case type is one module under ``app/workflows/cases/`` (its ``CASE``: steps, fields, names in
ja/en; its ``RULES``: the rule stages per decision point) plus ONE line in :data:`ENTRIES` below.
Everything else reads this table and nothing else:

* the window's new-case buttons, the Case menu and their shortcuts (``app.ui.mainwindow``);
* the queue's and the gate summary's case names, the processing slip's and the refusal notice's
  procedure name (``app.desk``, ``app.printing.case_adapter``);
* which documents an ended case has (``app.desk.documents``): every ended case its processing
  slip, a refused one its refusal notice, and one declared ``issues_copies`` the copies its final
  decision allowed;
* ``madoguchi rules explain`` (``app.workflows.explain``) and the decision pipeline.

``tests/desk/test_registry.py`` and ``tests/ui/test_ui_registry.py`` check that the desk, the
window, printing and ``rules explain`` know every registered type. To add a case type:

1. write ``app/workflows/cases/<id>.py`` with ``CASE`` and ``RULES`` (copy the smallest,
   ``status_inquiry``; ``tests/desk/fifth_case.py`` is a minimal one);
2. add its ``Entry`` line to :data:`ENTRIES` (the next free shortcut; ``issues_copies`` /
   ``appeal`` only if it prints copies or can be appealed);
3. give the tests a way through it: a plan in ``tests/workflows/test_crash_resume.plans`` (the
   desk drives every registered type to completion with it) and its own rule tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Mapping

from app.workflows import engine, pipeline
from app.workflows.cases import cert_renewal, copy_issuance, pin_reset, status_inquiry, suspension_lift
from app.workflows.engine import CaseTypeDef


@dataclass(frozen=True)
class Entry:
    """One registered case type: its module and how the counter offers it."""

    module: ModuleType
    #: the key of the new-case button and menu entry (Qt key-sequence text, e.g. "Ctrl+1")
    shortcut: str
    #: a completed case issues the copies its final ALLOW decision allowed (app.printing)
    issues_copies: bool = False
    #: its refusal notice names the administrative appeal (行政不服審査法) that lies against it
    appeal: bool = False

    @property
    def case(self) -> CaseTypeDef:
        return self.module.CASE

    @property
    def rules(self) -> Mapping:
        return self.module.RULES

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def ja(self) -> str:
        return self.case.ja

    @property
    def en(self) -> str:
        return self.case.en


ENTRIES: tuple[Entry, ...] = (
    Entry(pin_reset, "Ctrl+1"),
    Entry(suspension_lift, "Ctrl+2"),
    Entry(status_inquiry, "Ctrl+3"),
    Entry(copy_issuance, "Ctrl+4", issues_copies=True, appeal=True),
    Entry(cert_renewal, "Ctrl+5"),
)


BY_ID: dict[str, Entry] = {}
#: the engine's default case types and the pipeline's rule table: the same dicts, filled here
CASE_TYPES: dict[str, CaseTypeDef] = engine.DEFAULT_CASE_TYPES
RULES: dict[str, Mapping] = pipeline.RULES


def register(e: Entry) -> None:
    """Make a case type known to the desk, the engine and the pipeline (done for ENTRIES below)."""
    BY_ID[e.id] = e
    CASE_TYPES[e.id] = e.case
    RULES[e.id] = e.rules


for _entry in ENTRIES:
    register(_entry)


def entry(case_type: str) -> Entry | None:
    return BY_ID.get(case_type)


def names(case_type: str) -> tuple[str, str]:
    """(ja, en) name of a case type; an unknown code (a case of a newer version) is its code."""
    e = BY_ID.get(case_type)
    return (e.ja, e.en) if e else (case_type, case_type)
