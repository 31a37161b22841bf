"""One declaration per case type: the desk, printing and ``rules explain`` know every registered
type from the registry alone — the four of today and a fifth added as one module plus one line
(``tests/desk/fifth_case.py``). The window's side is ``tests/ui/test_ui_registry.py``."""

from __future__ import annotations

import pytest

from app.config import OfficeConfig
from tests.workflows.helpers import add_staff


def _every_type(registry):
    return [e.id for e in registry.ENTRIES]


@pytest.mark.parametrize("extra", [False, True], ids=["four", "plus-a-fifth"])
def test_printing_and_explain_know_every_registered_type(store, request, extra):
    from app.printing.case_adapter import case_documents, slip_from_case
    from app.workflows import registry
    from app.workflows.engine import CaseEngine
    from app.workflows.explain import explain

    if extra:
        request.getfixturevalue("fifth_type")
    clerk = add_staff(store, "clerk1", "窓口 一郎")
    engine = CaseEngine(store, staff_id=clerk, terminal_id="T001")
    for code in _every_type(registry):
        entry = registry.BY_ID[code]
        cid = engine.open_case(code).case_id
        assert slip_from_case(store, cid, office=OfficeConfig()).case_type == entry.ja
        engine.abandon(cid)
        assert [d.kind for d in case_documents(store, cid, office=OfficeConfig())] == ["slip"]
        out = explain({"case_type": code, "request": {}})
        assert out["case_type"] == code
    assert ("address_notice" in _every_type(registry)) == extra


def test_the_desk_drives_a_fifth_type_with_nothing_but_its_registration(store, fifth_type):
    from app.desk import Desk
    from app.security.staff import add_staff as add_account

    add_account(store, login="deskclerk", display_name="窓口 机子", roles=["clerk"],
                password="desk-test-password-1", terminal_id="T001")
    desk = Desk(store=store, config=OfficeConfig(), training=False)
    assert desk.sign_in_password("deskclerk", "desk-test-password-1").ok
    cid = desk.start_case(fifth_type.id)
    desk.tick(cid, "form_received", True)
    desk.set_value(cid, "family_name", "転入")
    view = desk.next(cid)
    assert view.status == "completed"
    assert desk.case_type_name(fifth_type.id) == "転入届の受付"
    assert [d.kind for d in desk.documents_for(view)] == ["slip"]
    assert [q.case_type for q in desk.queue("done")] == [fifth_type.id]
    from app.desk import supervisor as S
    from app.security.registration import office_today

    figures = S.figures(store.conn, S.month_period(office_today()))      # the supervisor's desk
    assert figures.by_type_outcome == {fifth_type.id: {"completed": 1}}
    csv_text = S.figures_csv(figures, "en")
    assert fifth_type.en in csv_text and fifth_type.id not in csv_text      # named, not coded
    assert S.label(S.CASE_TYPE_LABELS, fifth_type.id) == "転入届の受付"


def test_unknown_case_type_is_named_by_its_code():
    from app.workflows.registry import names

    assert names("tea_ceremony") == ("tea_ceremony", "tea_ceremony")
