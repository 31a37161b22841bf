"""End-to-end through the window on a real store: sign in, start a case, fill and tick, press
Next, reach completion — for each case type — plus pause/resume from the queue."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.uihelpers import fill, fill_copy_request, fill_copy_request_step, finish_request_step, press, tick

pytestmark = pytest.mark.gui


def test_status_inquiry_by_four_items_end_to_end(qtbot, window):
    store = window.services.store
    _add_resident_with_application(store)

    press(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)   # New: status inquiry
    qtbot.waitUntil(lambda: window.case_page is not None, timeout=15000)
    page = window.case_page
    assert page is not None and page.view.case_type == "status_inquiry"
    assert not page.next_button.isEnabled()
    assert "本人確認書類を確認した" in page.blocking_label.text()

    fill(qtbot, page, "method", "four_items")
    fill(qtbot, page, "family_name", "窓口")
    fill(qtbot, page, "given_name", "花子")
    fill(qtbot, page, "address", "研修市本町一丁目1番1号")
    fill(qtbot, page, "birth_date", "1985-06-15")
    fill(qtbot, page, "sex", "2")
    tick(qtbot, page, "identity_checked")
    who = page.item_boxes["identity_checked"][1].text()
    assert "窓口 一郎" in who                           # who ticked it, and when
    assert page.next_button.isEnabled() and page.blocking_label.text() == ""

    qtbot.keyClick(page, Qt.Key.Key_Return)            # Enter is Next
    qtbot.waitUntil(lambda: page.view.step == "answer", timeout=15000)
    assert "カードを作成中です" in page.answer.text()
    tick(qtbot, page, "answer_given")
    qtbot.keyClick(page, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.view.status == "completed", timeout=15000)
    assert "完了" in page.subject.text()

    window.go_home()
    window.home.queue_tabs.setCurrentIndex(3)           # done today
    assert [q.case_id for q in window.home._queue_rows] == [page.case_id]


def test_pause_and_resume_from_the_queue(qtbot, window):
    press(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)   # New: status inquiry
    qtbot.waitUntil(lambda: window.case_page is not None, timeout=15000)
    page = window.case_page
    fill(qtbot, page, "method", "four_items")
    fill(qtbot, page, "family_name", "窓口")
    case_id = page.case_id
    press(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)   # Pause
    qtbot.waitUntil(lambda: page.view.status == "paused", timeout=15000)
    window.go_home()
    window.home.queue_tabs.setCurrentIndex(1)
    assert [q.case_id for q in window.home._queue_rows] == [case_id]
    window.home.queue.selectRow(0)
    window.home.resume_button.click()
    page = window.case_page
    assert page.view.status == "open" and page.view.case_id == case_id
    assert page.editors["family_name"][0].text() == "窓口"


def _resident_for_the_picker(window, monkeypatch) -> str:
    """The resident of _add_resident_with_application, answered by the resident picker."""
    from app.ui.residentpicker import ResidentPickerDialog

    store = window.services.store
    _add_resident_with_application(store)
    rid = store.conn.execute("SELECT id FROM residents WHERE family_name = '窓口'").fetchone()[0]
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: [rid]))
    return rid


def _add_resident_with_application(store):
    """One resident with a card application in production (plain rows in the real store)."""
    from app.store.db import new_id

    with store.transaction() as conn:
        hid, rid = new_id(), new_id()
        conn.execute("INSERT INTO households(id, household_code, address) VALUES (?, 'H1', ?)",
                     (hid, "研修市本町一丁目1番1号"))
        conn.execute(
            "INSERT INTO residents(id, household_id, family_name, given_name, family_kana, given_kana,"
            " name_key, kana_key, birth_date, sex, address, address_key) VALUES"
            " (?, ?, '窓口', '花子', 'マドグチ', 'ハナコ', '窓口花子', 'マドグチハナコ', '1985-06-15', 2,"
            " '研修市本町一丁目1番1号', '研修市本町1-1-1')", (rid, hid))
        conn.execute(
            "INSERT INTO card_applications(id, resident_id, application_id, received_date, status,"
            " status_date) VALUES (?, ?, '12345678901234567890123', '2026-10-01', 'producing',"
            " '2026-11-01')", (new_id(), rid))


def _complete_own_copy(qtbot, window, delivery: str):
    """A resident's own copy request through the window up to completion; returns the page."""
    window.start_case("copy_issuance", None)
    page = window.case_page
    fill_copy_request(qtbot, page, "self", delivery=delivery)
    qtbot.waitUntil(lambda: page.view.step == "issue", timeout=15000)
    tick(qtbot, page, "documents_match")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.status == "completed", timeout=15000)
    return page


def test_posted_copy_comes_with_its_cover_letter_to_the_registered_address(qtbot, window, monkeypatch):
    import io

    from pypdf import PdfReader

    _resident_for_the_picker(window, monkeypatch)
    page = _complete_own_copy(qtbot, window, "post_person_address")

    docs = window.services.documents_for(page.view)
    assert [d.filename.split("-")[0] for d in docs] == ["copy", "cover", "slip"]
    letter = "".join(p.extract_text() for p in PdfReader(io.BytesIO(docs[1].pdf)).pages)
    assert "送付書" in letter and "本町" in letter and "窓口" in letter


def test_copy_not_posted_to_a_perpetrators_address_and_the_clerk_is_told(qtbot, window, monkeypatch):
    """A measure recorded after the case was decided (ended already: it still screens mailings)
    names a perpetrator at the resident's registered address: printing refuses and says why."""
    from app.store.db import new_id
    from app.ui.casepage import CasePage
    from app.ui.preview import DocumentsDialog

    rid = _resident_for_the_picker(window, monkeypatch)
    store = window.services.store
    page = _complete_own_copy(qtbot, window, "post_person_address")
    with store.transaction() as conn:
        conn.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, start_date,"
                     " end_date, perpetrator_address) VALUES (?, ?, 'dv', 'ended', '2026-01-01',"
                     " '2026-01-10', '2027-01-09', '研修市本町一丁目1番1号')", (new_id(), rid))

    shown, previews = [], []
    monkeypatch.setattr(CasePage, "show_print_refusal", lambda self, text: shown.append(text))
    monkeypatch.setattr(DocumentsDialog, "exec", lambda self: previews.append(self))
    page.preview()
    assert len(shown) == 1 and "加害者" in shown[0] and "perpetrator" in shown[0]
    docs = window.services.documents_for(page.view)
    assert [d.filename.split("-")[0] for d in docs] == ["slip"]        # no copy, no cover letter
    assert store.conn.execute("SELECT count(*) FROM issued_documents").fetchone()[0] == 0


def test_a_typed_destination_of_a_perpetrator_stops_the_request_at_the_delivery_step(qtbot, window, monkeypatch):
    from app.rules import said
    from app.security.destinations import STAFF_JA
    from app.ui.restriction import SignOffDialog
    from tests.ui.test_ui_restriction import OfficerAtTheDesk
    from app.store.db import new_id

    rid = _resident_for_the_picker(window, monkeypatch)
    with window.services.store.transaction() as conn:
        conn.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, start_date,"
                     " end_date, perpetrator_address) VALUES (?, ?, 'dv', 'active', '2026-01-01',"
                     " '2026-01-10', '2027-01-09', '研修市港町二丁目2番2号')", (new_id(), rid))
    window.start_case("copy_issuance", None)
    page = window.case_page
    fill_copy_request_step(qtbot, page, "self")
    fill(qtbot, page, "channel", "counter")
    fill(qtbot, page, "delivery", "post_other_address")
    fill(qtbot, page, "post_reason", "勤務先で受け取るため")
    fill(qtbot, page, "post_place", "研修市港町２－２－２　港ビル２階")
    page.editors["post_reason_justified"][0].click()
    qtbot.waitUntil(lambda: any(f.id == "post_reason_justified" and f.value for f in page.view.fields),
                    timeout=15000)
    page.go_next()
    # a protected person is in scope: the request waits for the officer at once, and the clerk is
    # told why (staff only)
    qtbot.waitUntil(lambda: page.view.status == "awaiting_release", timeout=15000)
    assert page.view.step == "delivery"
    assert STAFF_JA in [r["ja"] for r in page.view.gate["decision"]["reasons"]]
    # an officer signs the release off at this desk; the destination still stops it, in two channels
    desk = OfficerAtTheDesk(qtbot, [("officer1", "officer1-kenshu")])
    monkeypatch.setattr(SignOffDialog, "run", classmethod(lambda cls, *a: desk.run(*a)))
    page.warning.sign_off_button.click()
    qtbot.waitUntil(lambda: page.view.status == "refused", timeout=15000)
    told = page.outcome_box.text()
    assert said.NOT_ISSUED.ja in told and "加害" not in told and "送付先" not in told
    assert STAFF_JA in page.staff_box.text()


def test_oral_answers_are_asked_and_each_check_shows_who_made_it(qtbot, window, monkeypatch):
    """Without photo ID the identity step asks the requester's own address, birth date and sex;
    each answer's check is a checklist item that shows who ticked it."""
    _resident_for_the_picker(window, monkeypatch)
    window.start_case("copy_issuance", None)
    page = window.case_page
    fill_copy_request_step(qtbot, page, "self")
    fill(qtbot, page, "channel", "counter")
    fill(qtbot, page, "delivery", "hand_over")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.step == "identity", timeout=15000)
    box = page.editors["identity_documents"][0]
    for code in ("health_insurance_card", "bank_book"):
        next(b for b in box.boxes if b.property("code") == code).setChecked(True)
    qtbot.waitUntil(lambda: any(f.id == "identity_documents" and len(f.value or []) == 2 for f in page.view.fields),
                    timeout=15000)
    fill(qtbot, page, "oral_questions", "done")
    qtbot.waitUntil(lambda: "stated_address" in page.editors, timeout=15000)
    fill(qtbot, page, "stated_address", "研修市本町1-1-1")
    fill(qtbot, page, "stated_birth_date", "1985-06-15")
    fill(qtbot, page, "stated_sex", "2")
    for item in ("documents_original", "oral_address_checked", "oral_birth_date_checked", "oral_sex_checked"):
        tick(qtbot, page, item)
    assert "窓口 一郎" in page.item_boxes["oral_birth_date_checked"][1].text()
    page.go_next()
    qtbot.waitUntil(lambda: page.view.step == "issue", timeout=15000)


def test_copy_issuance_end_to_end_with_preview_and_pdf(qtbot, window, monkeypatch, tmp_path):
    from app.ui.preview import DocumentsDialog, render_pages

    _resident_for_the_picker(window, monkeypatch)

    window.start_case("copy_issuance", None)
    page = window.case_page
    fill_copy_request(qtbot, page, "self")
    qtbot.waitUntil(lambda: page.view.step == "issue", timeout=15000)
    tick(qtbot, page, "documents_match")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.status == "completed", timeout=15000)
    assert page.preview_button.isVisible()

    docs = window.services.documents_for(page.view)
    assert [d.filename.split("-")[0] for d in docs] == ["copy", "slip"]
    assert window.services.documents_for(page.view) is docs          # issued once, not twice
    dialog = DocumentsDialog(docs, page)
    qtbot.addWidget(dialog)
    previews = []
    monkeypatch.setattr(DocumentsDialog, "open_preview", staticmethod(previews.append))
    dialog.preview()
    assert len(previews) == 1 and len(render_pages(docs[0].pdf)) >= 1
    target = tmp_path / "copy.pdf"
    monkeypatch.setattr(DocumentsDialog, "ask_save_path", lambda self, doc: str(target))
    dialog.save()
    assert target.read_bytes() == docs[0].pdf and target.read_bytes().startswith(b"%PDF")


def test_refusal_is_read_aloud_with_its_source_and_printed(qtbot, window, monkeypatch):
    """A third party asking for a copy showing the My Number: refused, the reason and its source
    on the page, and a refusal notice for the resident among the documents."""
    _resident_for_the_picker(window, monkeypatch)
    window.start_case("copy_issuance", None)
    page = window.case_page
    fill(qtbot, page, "document", "juminhyo")
    fill(qtbot, page, "requester_type", "third_party")
    fill(qtbot, page, "requester_family_name", "債権")
    fill(qtbot, page, "requester_given_name", "太郎")
    fill(qtbot, page, "requester_family_kana", "サイケン")
    fill(qtbot, page, "requester_given_kana", "タロウ")
    fill(qtbot, page, "requester_birth_date", "1970-01-01")
    fill(qtbot, page, "requester_address", "研修市栄町1-1-1")
    page.editors["target_resident_ids"][0].button.click()
    qtbot.waitUntil(lambda: any(f.id == "target_resident_ids" and f.value for f in page.view.fields),
                    timeout=15000)
    fill(qtbot, page, "scope", "person")
    box = page.editors["items"][0]
    next(b for b in box.boxes if b.property("code") == "my_number").setChecked(True)
    qtbot.waitUntil(lambda: any(f.id == "items" and f.value for f in page.view.fields), timeout=15000)
    finish_request_step(qtbot, page, "own_right", "債権の回収")
    qtbot.waitUntil(lambda: page.view.status == "refused", timeout=15000)
    text = page.outcome_box.text()
    assert "個人番号" in text and "根拠" in text
    assert page.outcome_box.objectName() == "Refusal"
    docs = window.services.documents_for(page.view)
    assert [d.filename.split("-")[0] for d in docs] == ["refusal", "slip"]
    assert all(d.pdf.startswith(b"%PDF") for d in docs)
