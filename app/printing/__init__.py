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

Details:

reportlab on a plain canvas, no Qt (the UI previews and prints the bytes). A4 portrait; IPAex
Gothic and Mincho from `resources/fonts/` (IPA Font License v1.0, text beside the fonts) are
registered once per process and embedded as subsets in every PDF; nothing falls back to a
non-embedded font.

- `model.py` — plain dataclasses (`PersonRecord`, `HouseholdInfo`, `CopyRequest`) and builders from
  the store: `build_copy_request(store, DocumentType, resident_ids, items=..., entitled_numbers=...,
  requester_type=..., delivery=..., training=...)`. `items` are the optional `Item`s the rules
  allowed; `entitled_numbers` says which of My Number / resident-record code the rules entitled the
  requester to. Numbers are read from the store only when both requested and entitled. A second
  line of defence (`NUMBER_DELIVERY`, the 2018-11-27 table) refuses a number to third parties,
  public bodies, professionals, and to messengers / voluntary agents at the counter, whatever the
  caller claims. Refusals raise `PrintRefused` (`NumberNotEntitledError`, `PerpetratorAddressError`).
- `copies.py` — 住民票の写し, 住民票記載事項証明書, 戸籍の附票の写し and the 除票 versions:
  household order (`household.py`, a table from 続柄 to group), up to four persons per sheet with
  continuation pages, 旧氏 / 通称 under the name, era dates (`era.py`) except a foreign resident's
  birth date and residence expiry, the 認証文 (世帯全員 / 世帯の一部 / per document), date, mayor's
  title (`OfficeConfig.mayor_title`) and seal area on the last page only, 以下余白.
- `layout.py` — the page furniture on every page: issue number, page x/y, the plain-paper notice
  (store setting `printing.plain_paper`, default true), 見本 / SPECIMEN in training mode, and
  プレビュー on anything rendered without an issue number. Text is shrunk or wrapped into its
  box, never clipped.
- `issuance.py` — `issue_copy(store, request, staff_id=, case_id=)`: takes the next serial
  (`issue_counters`, per office and terminal), renders with the issue number
  `YYYYMMDD-<office>-<terminal>-<serial>`, writes `issued_documents` (交付履歴: time, place, target,
  items, pages, issue number, terminal, user, delivery, sha256; append-only) and its outbox row, all
  in one transaction (migration 4). A refused or failed render takes no number.
- `slip.py` — the processing slip (処理票) from a plain `ProcessingSlip`: case, requester, targets,
  every checklist item with who ticked it and when, entered values, decision with its source,
  documents issued, and the 確認者欄 (clerk; support officer of a release; re-lock; third-person
  re-lock confirmation) with a seal box each. Anything shaped like a My Number is masked.
- `letters.py` — the refusal notice (reasons read aloud + source, 教示 for copy refusals) and the
  cover letter (送付書). `build_cover_letter(store, addressee_id, enclosures, address=None)`
  addresses the resident's registered address (or the place the rules allow, given as a
  `MailingAddress`) and refuses (`PerpetratorAddressError`) the perpetrator, or any of his
  addresses, of a support measure (any status) protecting a person the letter is about
  (`app.security.destinations.perpetrator_places`, the same places the rules check when the
  destination is entered; compared with `app.store.normalize.same_address`).
  The renderer re-checks; `issue_cover_letter` re-reads the store inside its transaction and
  records the mailing in the issuance history (`document_type = 'cover_letter'`).
- `case_adapter.py` — the only printing module that reads the workflow engine:
  `slip_from_case(store, case_id)`, `refusal_from_case(store, case_id)` and
  `copy_request_from_case(store, case_id)` (from the final ALLOW decision's data: document,
  persons, items, delivery, requester_type — the items there are what the rules entitled).
- For the counter (`app.desk.documents`): `case_documents(store, case_id)` → the refusal notice of
  a refused case and the slip, renderable any number of times; and
  `issue_case_copies(store, case_id, staff_id=...)` → the copy of a completed copy-issuance case
  plus, when posted, its cover letter to the address the rules allowed, in ONE transaction, once
  per case (`AlreadyIssued` after), then the slip. Both return `PrintedDocument(kind, title_ja,
  title_en, pdf, filename, issue_number)` and take the case's replayed `state=`.
- `cli.py` — `madoguchi print slip|refusal --store S --case ID [--out F]`, `print history` (交付履歴)
  and `print samples OUTDIR`. Certificates are never issued from the command line.
- A store with demo data (setting `demo`) always prints 見本 / SPECIMEN. A current copy may show
  removed household members (with their 消除 row); a copy of removed records only is a 除票.
- Speed: text widths come from a per-font character-width cache (`layout.text_width`), the
  fonts' tables are read once per process (`fonts._cache_tables`; reportlab re-slices the multi-MB
  glyph table for every subset otherwise), and reportlab's C accelerator `rl_accel` is a
  dependency (a frozen build needs the hidden import `_rl_accel`, or it silently falls back to
  Python). `benchmarks/printing.py` reports wall and CPU ms per document.
- DV second line of defence (`issuance.check_restriction`): `issue_copy` and `issue_cover_letter`
  refuse (`RestrictedRecordError`) a document about or mailed to a person under a support measure
  in force unless the case has a support officer's `released` (not voided) release covering those
  protected persons and that document. The restriction stage of the case remains the decision.
- `samples.py` — a fictional sample town and `python -m app.printing.samples OUTDIR` (the PNGs in
  `docs/samples/`). `benchmarks/printing.py`: household copy of four, median ms (goal ≤ 60 ms).
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
