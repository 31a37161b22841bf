"""Printed documents (reportlab, no Qt): copies of the resident record and related certificates,
the processing slip, the refusal notice and the mailing cover letter.

Callers build a request from the store (``app.printing.model``), then either render it
(``render_copy(request) -> bytes``, a preview without an issue number) or issue it
(``issue_copy(store, request, staff_id=...)``: issue number, PDF and issuance history in one
transaction). Nothing here decides entitlement: the rules do. The printer refuses (raises
:class:`PrintRefused`) to print a number nobody is entitled to, or to address mail to a
perpetrator's address. The UI previews and prints the bytes.

For the counter (``app.desk.documents``): ``case_documents(store, case_id)`` (the refusal notice of
a refused case and the slip; any number of times) and ``issue_case_copies(store, case_id,
staff_id=...)`` (the copy of a completed issuance case, and its cover letter when posted; once).
Both return :class:`PrintedDocument` (kind, titles, pdf, filename, issue number), the slip last,
and take the case's replayed ``state`` so a case is replayed once for all its documents.
"""

from app.printing.case_adapter import AlreadyIssued, PrintedDocument, case_documents, issue_case_copies
from app.printing.copies import render_copy, render_copy_with_pages
from app.printing.issuance import IssuedDocument, issuance_history, issue_copy
from app.printing.letters import (
    CoverLetter,
    Enclosure,
    MailingAddress,
    RefusalNotice,
    build_cover_letter,
    issue_cover_letter,
    render_cover_letter,
    render_refusal,
)
from app.printing.model import (
    CopyRequest,
    Delivery,
    HouseholdInfo,
    NumberNotEntitledError,
    PersonRecord,
    PerpetratorAddressError,
    PrintRefused,
    RestrictedRecordError,
    build_copy_request,
)
from app.printing.slip import Confirmer, ProcessingSlip, SlipCheck, SlipEntry, SlipReason, render_slip

__all__ = [
    "AlreadyIssued",
    "PrintedDocument",
    "case_documents",
    "issue_case_copies",
    "Confirmer",
    "CopyRequest",
    "CoverLetter",
    "Enclosure",
    "MailingAddress",
    "ProcessingSlip",
    "RefusalNotice",
    "SlipCheck",
    "SlipEntry",
    "SlipReason",
    "build_cover_letter",
    "issue_cover_letter",
    "render_cover_letter",
    "render_refusal",
    "render_slip",
    "Delivery",
    "HouseholdInfo",
    "IssuedDocument",
    "NumberNotEntitledError",
    "PersonRecord",
    "PerpetratorAddressError",
    "PrintRefused",
    "RestrictedRecordError",
    "build_copy_request",
    "issuance_history",
    "issue_copy",
    "render_copy",
    "render_copy_with_pages",
]
