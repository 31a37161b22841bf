"""``madoguchi print ...`` run as a real process on a real store file."""

from __future__ import annotations

import json

from app.printing import build_copy_request, issue_copy
from app.rules.codes import DocumentType
from app.workflows.engine import CaseEngine

from .pdfread import pdf_pages_text, squash


def test_print_slip_history_and_refusal(cli, store, store_path, town, tmp_path):
    engine = CaseEngine(store, staff_id=town.staff_clerk, terminal_id="T001")
    cid = engine.open_case("copy_issuance").case_id
    engine.tick(cid, "request_form")
    issued = issue_copy(store, build_copy_request(store, DocumentType.JUMINHYO, [town.head]),
                        staff_id=town.staff_clerk, case_id=cid)
    out = tmp_path / "slip.pdf"
    result = cli("print", "slip", "--store", str(store_path), "--case", cid, "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = squash("".join(pdf_pages_text(out.read_bytes())))
    assert "処理票" in text and cid in text and issued.issue_number in text and "窓口一郎" in text

    result = cli("print", "history", "--store", str(store_path), "--case", cid, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["issue_number"] for r in rows] == [issued.issue_number]

    result = cli("print", "refusal", "--store", str(store_path), "--case", cid, "--out", str(tmp_path / "r.pdf"))
    assert result.returncode == 2 and "不可" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "r.pdf").exists()

    result = cli("print", "slip", "--store", str(store_path), "--case", "no-such-case")
    assert result.returncode == 2 and "案件が見つかりません" in result.stderr
