"""Support-measure records: one-year periods, renewal window, never automatic, provisional
measures, household members, forwarding with receipt, officer-only (DOMAIN point 10)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.security import measures

D = dt.date


@pytest.mark.parametrize("start,end", [(D(2020, 4, 1), D(2021, 3, 31)),
                                       (D(2024, 2, 29), D(2025, 2, 27)),
                                       (D(2021, 1, 1), D(2021, 12, 31))])
def test_one_year_period(start, end):
    assert measures.one_year_from(start) == end


def test_renewal_window_and_new_period(sstore, world, clock, sign_in):
    officer = sign_in("officer1")
    m = world["measure"]                          # 2030-04-01 → 2031-03-31
    assert (m.start_date, m.end_date) == ("2030-04-01", "2031-03-31")
    assert m.renewal_opens() == D(2031, 2, 28)
    with pytest.raises(measures.MeasureError, match="2031-02-28"):
        measures.renew(sstore, officer, m.id, on=D(2031, 2, 27), clock=clock)
    new = measures.renew(sstore, officer, m.id, on=D(2031, 2, 28), clock=clock)
    assert (new.start_date, new.end_date, new.renewed_from) == ("2031-04-01", "2032-03-31", m.id)
    assert new.members == m.members and new.perpetrator == m.perpetrator
    old = measures.get_measure(sstore.conn, m.id)
    assert (old.status, old.ended_reason) == ("ended", "renewed")
    assert measures.protected_ids(sstore.conn, [world["V"], world["C"]]) == {world["V"], world["C"]}


def test_never_renewed_or_ended_automatically(sstore, world):
    m = world["measure"]
    assert m.past_end_date(D(2032, 1, 1)) and m.in_force
    assert measures.get_measure(sstore.conn, m.id).status == "active"
    assert world["V"] in measures.protected_ids(sstore.conn, [world["V"]])


def test_provisional_measure_blocks_until_decided(sstore, world, clock, sign_in):
    p = world["provisional"]
    assert p.status == "provisional" and world["R"] in measures.protected_ids(sstore.conn, [world["R"]])
    decided = measures.decide(sstore, sign_in("officer1"), p.id, start_date=D(2030, 5, 1), clock=clock)
    assert (decided.status, decided.end_date) == ("active", "2031-04-30")


def test_only_a_signed_in_support_officer_changes_measures(sstore, world, clock, sign_in):
    with pytest.raises(measures.MeasureError, match="support officer"):
        measures.end_measure(sstore, sign_in("clerk1"), world["measure"].id, on=D(2030, 6, 1),
                             reason="x", clock=clock)
    with pytest.raises(measures.MeasureError, match="reason"):
        measures.end_measure(sstore, sign_in("officer1"), world["measure"].id, on=D(2030, 6, 1),
                             reason=" ", clock=clock)


def test_household_members_added(sstore, world, clock, sign_in):
    m = measures.add_members(sstore, sign_in("officer1"), world["measure"].id, [world["U"]], clock=clock)
    assert world["U"] in m.members
    assert measures.measures_protecting(sstore.conn, [world["U"]])[world["U"]][0].target_id == world["V"]


def test_p10_forwarding_to_whom_when_and_the_receipt(sstore, world, clock, sign_in):
    officer = sign_in("officer1")
    f = measures.forward(sstore, officer, world["measure"].id, municipality="本籍市",
                         reason="本籍地", sent_date=D(2030, 4, 2), clock=clock)
    assert (f.municipality, f.sent_date, f.received_date) == ("本籍市", "2030-04-02", None)
    measures.record_receipt(sstore, officer, f.id, received_date=D(2030, 4, 5), clock=clock)
    assert measures.forwardings(sstore.conn, world["measure"].id)[0].received_date == "2030-04-05"
    with pytest.raises(measures.MeasureError):
        measures.record_receipt(sstore, officer, f.id, received_date=D(2030, 4, 6), clock=clock)
    logged = sstore.conn.execute("SELECT action FROM audit_log WHERE target_id = ? AND action LIKE "
                                 "'measure.forward%'", (world["measure"].id,)).fetchall()
    assert [a for (a,) in logged] == ["measure.forward", "measure.forward_receipt"]


def test_p10_receiving_side_records_the_forwarded_measure_and_it_blocks(sstore, world, clock, sign_in):
    m = measures.record_received(
        sstore, sign_in("officer1"), from_municipality="当初受付市", sent_date=D(2030, 4, 2),
        received_date=D(2030, 4, 4), target_id=world["U"], kind="dv", applied_date=D(2030, 3, 1),
        start_date=D(2030, 3, 15), perpetrator=measures.Perpetrator(family_name="某", given_name="某"),
        clock=clock)
    assert m.in_force and m.end_date == "2031-03-14"
    (f,) = measures.forwardings(sstore.conn, m.id)
    assert (f.direction, f.municipality, f.sent_date, f.received_date) == (
        "received", "当初受付市", "2030-04-02", "2030-04-04")
    assert world["U"] in measures.protected_ids(sstore.conn, [world["U"]])


@pytest.mark.parametrize("text,phone", [("090-1234-5678", True), ("03(1234)5678", True),
                                        ("+81 90 1234 5678", True), ("０９０１２３４５６７８", True),
                                        ("研修市北町五丁目6番7号", False), ("1-2-3", False),
                                        ("研修市中央1丁目2番地3 101号室", False)])
def test_phone_numbers_recognised(text, phone):
    assert measures.looks_like_phone(text) is phone


@pytest.mark.parametrize("fold,a,b", [
    ("address", "研修市北町五丁目6番7号", "研修市北町５丁目６番７号"),
    ("address", "中央二十三丁目十番一号", "中央23丁目10番1号"),
    ("name", "かがい たろう", "カガイタロウ"), ("name", "ｶｶﾞｲ　ﾀﾛｳ", "カガイタロウ")])
def test_fold_makes_the_same_particulars_compare_equal(fold, a, b):
    f = measures.fold_address if fold == "address" else measures.fold_name
    assert f(a) == f(b)


def test_cli_measures_list_end_and_wrong_officer(cli, sstore, world):
    path = str(sstore.path)
    sstore.close()
    r = cli("measures", "list", "--store", path, "--json")
    listed = {m["id"]: m for m in __import__("json").loads(r.stdout)}
    assert world["measure"].id in listed and listed[world["measure"].id]["members"] == [world["C"]]
    r = cli("measures", "end", "--store", path, world["measure"].id, "--officer", "clerk1",
            "--password-stdin", "--reason", "x", input="clerk1-kenshu\n")
    assert r.returncode == 2 and "support officer" in r.stderr
    r = cli("measures", "end", "--store", path, world["measure"].id, "--officer", "officer1",
            "--password-stdin", "--reason", "支援終了", "--date", "2030-06-01", input="officer1-kenshu\n")
    assert r.returncode == 0, r.stderr
    assert world["measure"].id in cli("measures", "list", "--store", path).stdout   # still blocks
    request = r.stdout.split("(")[1].split(")")[0]
    r = cli("measures", "confirm-end", "--store", path, request, "--login", "officer1",
            "--password-stdin", input="officer1-kenshu\n")
    assert r.returncode == 2 and "second person" in r.stderr
    r = cli("measures", "confirm-end", "--store", path, request, "--login", "clerk2",
            "--password-stdin", input="clerk2-kenshu\n")
    assert r.returncode == 0, r.stderr
    r = cli("measures", "list", "--store", path)
    assert world["measure"].id not in r.stdout and "1 measure(s)" in r.stdout
