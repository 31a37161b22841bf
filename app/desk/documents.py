"""The documents of an ended case, as the counter hands them out.

Every ended case has its processing slip (処理票); a refused case also its refusal notice; a
completed case of a type the registry declares ``issues_copies`` issues, once, the copies its
final decision allowed (and a posted copy's cover letter). The case's events are replayed once
for all of them and the slip is rendered once (``app.printing.case_adapter`` takes the state).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.printing.case_adapter import PrintedDocument, case_documents, issue_case_copies
from app.printing.issuance import issuance_history
from app.printing.model import PrintRefused
from app.workflows.engine import COMPLETED, FINAL_STATUSES
from app.workflows.registry import entry

log = logging.getLogger(__name__)


@dataclass
class CaseDocuments:
    """What the desk made for one ended case: the PDFs, and why a copy was not issued (ja / en)."""

    documents: list[PrintedDocument]
    refusal: str | None = None


def has_documents(view) -> bool:
    """A case that has ended has at least its processing slip."""
    return view.status in FINAL_STATUSES


def make_documents(store, state, *, staff_id: str, office, training: bool) -> CaseDocuments:
    """The PDFs of an ended case (``state``: its replayed events). The copies of a completed
    issuance case are issued (numbered and recorded) here unless they were issued already; a copy
    printing refuses (e.g. mail to a perpetrator's address) is not issued, the refusal is told,
    and the slip is still made."""
    kind = entry(state.case_type)
    refusal = None
    if (state.status == COMPLETED and kind is not None and kind.issues_copies
            and not issuance_history(store, case_id=state.case_id)):
        try:
            return CaseDocuments(issue_case_copies(store, state.case_id, staff_id=staff_id, office=office,
                                                   training=training, state=state))
        except PrintRefused as exc:
            log.warning("copy not printed for case %s: %s", state.case_id[:8], exc)
            refusal = str(exc)
    return CaseDocuments(case_documents(store, state.case_id, office=office, training=training, state=state),
                         refusal)
