"""The requester's side names a legal basis (a statute, a notice, the MIC briefing), never the
team's digest, municipal practice, a file, a setting's key or an internal id (docs/SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.rules import said, tables
from app.rules.basis import INTERNAL, requester_basis
from app.rules.core import Reason
from app.workflows.explain import explain, load_request

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.json"))


def _clean(basis: str, where: str) -> None:
    assert basis.strip(), f"{where}: no legal basis"
    assert not INTERNAL.search(basis), f"{where}: internal basis {basis!r}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_requester_text_of_the_examples_names_a_public_basis(path):
    out = explain(load_request(path.read_text(encoding="utf-8")))
    said_texts = [r["requester"] for r in out["reasons"] if r["requester"]["ja"]]
    for text in said_texts:
        _clean(text["basis"], f"{path.stem}: {text['ja']}")
    # the staff side keeps its full source
    assert all(r["source"] for r in out["reasons"])


def test_every_source_constant_and_named_text_has_a_public_basis():
    sources = {name: value for name, value in vars(tables).items() if name.startswith("SRC_") and isinstance(value, str)}
    sources |= {f"card_requester.{code}": row.source for code, row in tables.CARD_REQUESTERS.items()}
    for name, source in sources.items():
        _clean(requester_basis(source), name)
    for name, text in said.ALL.items():
        _clean(text.basis, f"said.{name}")


def test_the_holders_row_reads_the_statute_to_the_requester_and_keeps_the_digest_for_staff():
    row = tables.CARD_REQUESTERS["self"]
    reason = Reason("card.requester.self", row.ja, row.en, row.source)
    assert "DOMAIN.md" in reason.source                       # staff text keeps where it came from
    assert reason.requester.basis.startswith("電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律")
    assert "第3条第1項" in reason.requester.basis and "S:823-831" in reason.requester.basis
    assert json.dumps(reason.as_dict(), ensure_ascii=False).count("DOMAIN.md") == 1


def test_an_internal_part_is_replaced_or_dropped_never_passed_on():
    assert requester_basis("practice: something new") == ""
    assert requester_basis("住民基本台帳法第12条; DOMAIN.md（第三者には基本事項のみ）") == "住民基本台帳法第12条"
    assert requester_basis("setting: fees.reissue_card (practice)") == ""
