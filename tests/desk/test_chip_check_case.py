"""The chip check as an identity-document check, through the desk and the real PC/SC stack
(pcscd + vpcd + the test card): offered where a My Number card is shown; a genuine card is recorded
"chip checked, signature valid" with who did it (case event + audit entry) and the case goes on; a
forged card, a chip whose items differ from the record, or a chip the clerk finds not matching the
printed face stops the case — staff text with the reason, requester text neutral. The check code is
never stored."""

from __future__ import annotations

import json

import pytest

from app.card import surface
from app.card.cardfile import TRAINING_PINS, create_card_file, load_card_file, training_ca_certificate_der
from app.card.service import ReaderService
from app.card.stack import reader_name
from app.config import OfficeConfig
from tests.desk.drive import PASSWORD, town



@pytest.fixture
def desk(store):
    from app.desk import Desk

    ids = town(store)
    desk = Desk(store=store, config=OfficeConfig(terminal_id="T-DESK"), training=False)
    assert desk.sign_in_password("deskclerk", PASSWORD).ok
    desk.ids = ids
    return desk


@pytest.fixture
def reader(pcsc_stack):
    service = ReaderService(poll_interval=0.3).start()
    service.select_reader(reader_name(0)).result(10)
    yield service
    service.stop()


def holder_card(desk, tmp_path, ca_dir, name, **changes):
    row = desk.store.conn.execute("SELECT family_name, given_name, address, birth_date, sex, my_number "
                                  "FROM residents WHERE id = ?", (desk.ids["pin_holder"],)).fetchone()
    holder = dict(family_name=row[0], given_name=row[1], address=row[2], birth_date=row[3], sex=int(row[4]),
                  my_number=row[5] or "123456789018")
    holder.update(changes.pop("holder", {}))
    return create_card_file(tmp_path / name, pins=TRAINING_PINS, ca_dir=ca_dir, **holder, **changes)


def chip_check(pcsc_stack, reader, path, ca_dir):
    card = load_card_file(path)
    code = surface.check_code_b(card.holder.birth_date, card.valid_until, card.surface.security_code)
    pcsc_stack.insert(path, slot=0)
    try:
        reader.submit(lambda c: c.identify()).result(10)
        return code, reader.chip_check(code, training_ca_certificate_der(ca_dir)).result(10)
    finally:
        pcsc_stack.remove(0)


def at_identity(desk):
    cid = desk.start_case("pin_reset")
    desk.tick(cid, "card_presented", True)
    for field, value in {"requester_type": "self", "holder_resident_id": desk.ids["pin_holder"],
                         "secrets": ["auth"]}.items():
        desk.set_value(cid, field, value)
    view = desk.next(cid)
    assert view.step == "identity", view.blocking
    desk.tick(cid, "documents_original", True)
    view = desk.set_value(cid, "identity_documents", ["my_number_card"])
    assert "chip_check" in desk.card_actions(view, reader=True)
    return cid


@pytest.mark.pcsc
def test_genuine_chip_is_recorded_with_who_and_the_case_goes_on(desk, reader, pcsc_stack, tmp_path, test_card_ca):
    code, readout = chip_check(pcsc_stack, reader, holder_card(desk, tmp_path, test_card_ca, "genuine.json"),
                               test_card_ca)
    cid = at_identity(desk)
    view = desk.record_chip_check(cid, readout, face_matches=True)
    value = next(f.value for f in view.fields if f.id == "chip_check")
    assert value["signature_valid"] is True and value["face_matches"] is True
    assert desk.chip_check_words(value) in ("ICチップ確認済・署名は有効 / 券面と一致",
                                            "chip checked, signature valid / matches the printed card")
    from app.printing.case_adapter import field_text      # the processing slip says it in words
    assert field_text(desk.engine.case_types["pin_reset"].field("chip_check"), value, None) \
        == "ICチップ確認済・署名は有効 / 券面と一致"
    event = desk.store.conn.execute(
        "SELECT staff_id, payload FROM case_events WHERE case_id = ? AND payload LIKE '%chip_check%'", (cid,)).fetchone()
    assert event[0] == desk.session.staff.id
    audit = desk.store.conn.execute(
        "SELECT staff_id, detail FROM audit_log WHERE action = 'card.chip_check' AND case_id = ?", (cid,)).fetchone()
    assert audit[0] == desk.session.staff.id and json.loads(audit[1])["signature_valid"] is True
    assert desk.next(cid).step == "reset"
    # the check code is nowhere in the store
    dump = "\n".join(desk.store.conn.iterdump())
    # the security code alone, as a value of its own (SQL or JSON): four digits at the end of some
    # longer value (a hash, an id) would be chance, not a leak
    security = code[-4:]
    assert code not in dump and f"'{security}'" not in dump and f'"{security}"' not in dump


@pytest.mark.pcsc
@pytest.mark.parametrize("kind", ["forged", "record", "face"])
def test_a_chip_that_does_not_verify_stops_the_case(kind, desk, reader, pcsc_stack, tmp_path, test_card_ca):
    changes = {"forged": {"forged_surface": True}, "record": {"holder": {"birth_date": "1951-02-03"}},
               "face": {}}[kind]
    _code, readout = chip_check(pcsc_stack, reader, holder_card(desk, tmp_path, test_card_ca, f"{kind}.json",
                                                                **changes), test_card_ca)
    assert readout.signature_valid is (kind != "forged")
    cid = at_identity(desk)
    desk.record_chip_check(cid, readout, face_matches=kind != "face")
    view = desk.next(cid)
    assert view.status == "refused"
    decision = desk.engine.state(cid).last_decision("identity")["decision"]
    codes = [r["code"] for r in decision["reasons"]]
    expected = {"forged": "identity.chip.signature_invalid", "record": "identity.chip.record_mismatch",
                "face": "identity.chip.face_mismatch"}[kind]
    assert expected in codes
    reason = next(r for r in decision["reasons"] if r["code"] == expected)
    assert "偽造" in reason["ja"] and reason["source"].startswith("デジタル庁")
    # the requester hears the neutral identity text only: nothing about chips, forgery or the record
    said = json.dumps([reason["requester"], decision["requester"]], ensure_ascii=False)
    assert "ご本人であることの確認ができませんでした" in said
    assert not any(w in said for w in ("偽造", "チップ", "生年月日", "forg", "chip"))


def test_offered_in_every_identity_step_where_a_my_number_card_counts():
    """Every case type's identity step has the chip check, shown exactly when a My Number card is
    among the documents that establish identity (a suspension lift's found card does not)."""
    from app.workflows.registry import CASE_TYPES

    seen = []
    for ct in CASE_TYPES.values():
        for step in ct.steps:
            ids = {f.id: f for f in step.fields}
            if "identity_documents" not in ids:
                continue
            assert "chip_check" in ids, (ct.id, step.id)
            spec = ids["chip_check"]
            assert not spec.visible({"identity_documents": ["passport"]})
            counts = ct.id != "suspension_lift"
            assert spec.visible({"identity_documents": ["my_number_card"]}) is counts, ct.id
            seen.append(ct.id)
    assert {"pin_reset", "copy_issuance", "suspension_lift"} <= set(seen)


def test_demo_municipality_and_training_tray_hold_the_forged_and_face_auth_cards(tmp_path, test_card_ca):
    """The demo store's card folder has a forged card (a signature that fails) and a
    face-authentication card; the tray lists both with the security code printed on each card —
    also when another card row points at a file outside that folder."""
    from app.card.cardfile import load_card_file
    from app.desk import Desk
    from app.store import open_store
    from app.store.demo import generate

    path = tmp_path / "demo.db"
    generate(path, 400, seed=7, ca_dir=test_card_ca, quiet=True)
    store = open_store(path)
    try:
        with store.transaction() as conn:       # a card row elsewhere (as a renewal demo makes one)
            conn.execute("UPDATE cards SET card_file = ? WHERE id = (SELECT c.id FROM cards c JOIN residents r "
                         "ON r.id = c.resident_id WHERE c.card_file IS NOT NULL "
                         "ORDER BY r.family_kana, r.given_kana LIMIT 1)", (str(tmp_path / "elsewhere.json"),))
        desk = Desk(store=store, config=OfficeConfig(), training=True, store_path=path)
        tray = {c.status: c for c in desk.tray_cards()}
        assert {"forged", "face_auth"} <= set(tray)
        forged, face = load_card_file(tray["forged"].path), load_card_file(tray["face_auth"].path)
        assert forged.surface.forged and tray["forged"].security_code == forged.surface.security_code
        assert face.face_auth and not face.pins and not face.has_signing_certificate
        row = store.conn.execute("SELECT c.cert_sign_status FROM cards c JOIN residents r ON r.id = c.resident_id "
                                 "WHERE r.my_number = ?", (face.my_number,)).fetchone()
        assert row[0] == "none"                 # the register agrees: no signing certificate
    finally:
        store.close()
