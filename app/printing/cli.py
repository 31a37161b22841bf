"""Sub-commands of printing for supervisors and office IT staff: ``print slip`` and
``print refusal`` (the PDF of a case's processing slip or refusal notice), ``print history``
(the issuance history, 交付履歴) and ``print samples`` (one of every document from fictional data).

Certificates are not issued from here: a copy is issued by a signed-in clerk in the counter
window, where the issue number and the history row are written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cliargs import limit
from app.errors import UserError
from app.store.db import open_store
# lazy imports: a sub-command loads its work when it runs (`--help` and the others start fast)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("print", help="printed documents: processing slip, refusal notice, issuance history")
    psub = p.add_subparsers(dest="print_command", required=True, metavar="ACTION")

    for name, helptext in (("slip", "the processing slip (処理票) of a case as PDF"),
                           ("refusal", "the refusal notice of a refused case as PDF")):
        d = psub.add_parser(name, help=helptext)
        d.add_argument("--store", required=True)
        d.add_argument("--case", required=True, help="case id")
        d.add_argument("--out", help="PDF file to write (default: <document>-<case>.pdf here)")
        d.add_argument("--training", action="store_true", help="mark every page 見本 / SPECIMEN")
        d.set_defaults(func=_case_document, document=name)

    h = psub.add_parser("history", help="the issuance history (交付履歴), newest first")
    h.add_argument("--store", required=True)
    h.add_argument("--resident", help="only documents about this resident id")
    h.add_argument("--case", help="only documents of this case id")
    h.add_argument("--limit", type=limit, default=50)
    h.add_argument("--json", action="store_true")
    h.set_defaults(func=_history)

    s = psub.add_parser("samples", help="write one of every document (PDF + PNG) from fictional data")
    s.add_argument("outdir")
    s.add_argument("--training", action="store_true")
    s.set_defaults(func=_samples)


def _case_document(args: argparse.Namespace) -> int:
    from app.printing.case_adapter import refusal_from_case, slip_from_case
    from app.printing.letters import render_refusal
    from app.printing.model import PrintRefused
    from app.printing.slip import render_slip
    from app.workflows.engine import CaseError

    out = Path(args.out or f"{args.document}-{args.case[:8]}.pdf")
    with open_store(args.store) as store:
        try:
            if args.document == "slip":
                pdf = render_slip(slip_from_case(store, args.case, training=args.training))
            else:
                pdf = render_refusal(refusal_from_case(store, args.case, training=args.training))
        except (PrintRefused, CaseError) as exc:
            raise UserError(str(exc)) from None
    out.write_bytes(pdf)
    print(out)
    return 0


def _history(args: argparse.Namespace) -> int:
    from app.printing.issuance import issuance_history

    with open_store(args.store) as store:
        rows = issuance_history(store, resident_id=args.resident, case_id=args.case, limit=args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("交付履歴はありません / no issuance recorded")
    for r in rows:
        print(f"{r['issued_at']}  {r['issue_number']}  {r['document_type']:<16} {r['pages']}頁  "
              f"{r['office_name']} {r['terminal_id']}  staff={r['staff_id'][:8]}  "
              f"targets={len(r['target_ids'])}  items={','.join(r['items']) or '-'}"
              f"{'  [研修]' if r['training'] else ''}")
    return 0


def _samples(args: argparse.Namespace) -> int:
    from app.printing.samples import main

    if Path(args.outdir).exists() and not Path(args.outdir).is_dir():
        raise UserError(f"{args.outdir} は既存のファイルです。見本を書き込むフォルダーを指定してください。"
                        f" / {args.outdir} is an existing file: give a folder to write the samples into.")
    return main([args.outdir] + (["--training"] if args.training else []))
