"""``madoguchi measures reconcile`` (issue 16): every application against its blocks, incomplete
ones first and a non-zero exit; renewals due, forwardings, releases and refusals of the month; the
PDF read back; a supervisor's sign-off bound to the report's content."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.desk import reports
from app.desk.samples import NOW, MovableClock

from tests.printing.pdfread import pdftotext


def test_incomplete_applications_come_first_and_the_command_exits_non_zero(cli, office):
    r = cli("measures", "reconcile", "--store", str(office.path), "--month", "2026-11", "--json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert not data["ok"]
    incomplete = set(data["incomplete"])
    assert {office.measures["missing"], office.measures["pending"], office.measures["received"]} == incomplete
    first = [a["measure"] for a in data["applications"]][:len(incomplete)]
    assert set(first) == incomplete                      # incomplete first
    missing = next(a for a in data["applications"] if a["measure"] == office.measures["missing"])
    blocks = {s["system"]: s for s in missing["systems"]}
    assert blocks["戸籍の附票"]["confirmed_by"] is None and blocks["コンビニ交付"]["confirmed_by"] is None
    assert blocks["住民基本台帳"]["confirmed_by"] in ("支援 副責任", "窓口 二美") and blocks["住民基本台帳"]["blocked_at"]
    assert set(data["renewals"]) == {office.measures["ending"], office.measures["overdue"]}
    states = {(f["municipality"], f["state"]) for f in data["forwardings"]}
    assert states == {("横浜市", "acknowledged"), ("千葉市", "sent"), ("川崎市", "received")}
    assert sorted(d["decision"] for d in data["decisions"]) == ["refused", "released"]
    refusal = next(d for d in data["decisions"] if d["decision"] == "refused")
    assert refusal["officer"] == "支援 責任" and "一致しない" in refusal["reason"]
    text = cli("measures", "reconcile", "--store", str(office.path), "--month", "2026-11")
    assert text.returncode == 1 and text.stdout.splitlines()[1].startswith("!! 制限が揃っていない申出 3 件")


def test_a_complete_month_exits_zero(cli, office, ostore):
    from app.security import registration as R
    from app.security.staff import authenticate_password

    clock = MovableClock(NOW)
    clerk = authenticate_password(ostore, "clerk2", "clerk2-kenshu", terminal_id="T001", clock=clock)
    officer = authenticate_password(ostore, "officer2", "officer2-kenshu", terminal_id="T001", clock=clock)
    R.confirm(ostore, officer, office.pending_registration, clock=clock)
    for entry in R.ledger(ostore.conn, NOW.date()):
        for system in entry.unconfirmed_systems:
            R.confirm_system(ostore, clerk, entry.measure.id, system, clock=clock)
    ostore.close()
    r = cli("measures", "reconcile", "--store", str(office.path), "--month", "2026-11")
    assert r.returncode == 0, r.stdout
    assert "すべての申出で連携システムの制限を確認済み" in r.stdout


def test_the_pdf_has_the_incomplete_lines_first_and_sign_off_fields(cli, office, tmp_path):
    out = tmp_path / "rec.pdf"
    r = cli("measures", "reconcile", "--store", str(office.path), "--month", "2026-11", "--pdf", str(out))
    assert r.returncode == 1
    text = "\n".join(pdftotext(out.read_bytes(), tmp_path)).replace(" ", "")
    assert text.index("制限が揃っていない申出3件") < text.index("申出と制限")
    for words in ("青木美咲", "戸籍の附票", "横浜市", "送付・受領確認済み", "拒否", "確認欄"):
        assert words in text, words


def test_bad_month_is_a_clear_message(cli, office):
    r = cli("measures", "reconcile", "--store", str(office.path), "--month", "2026-13")
    assert r.returncode == 2 and "YYYY-MM" in r.stderr


def test_sign_off_is_bound_to_the_content(ostore, office):
    from app.security import registration as R
    from app.security.measures import MeasureError
    from app.security.staff import authenticate_password

    clock = MovableClock(NOW)
    rec = reports.reconcile(ostore, "2026-11", today=NOW.date())
    clerk = authenticate_password(ostore, "clerk1", "clerk1-kenshu", terminal_id="T001", clock=clock)
    with pytest.raises(MeasureError, match="support officer"):
        R.record_signoff(ostore, clerk, month="2026-11", digest=rec.digest(), incomplete=3, clock=clock)
    officer = authenticate_password(ostore, "officer1", "officer1-kenshu", terminal_id="T001", clock=clock)
    R.record_signoff(ostore, officer, month="2026-11", digest=rec.digest(), incomplete=3, clock=clock)
    assert [s["who"] for s in reports.signed_rows(ostore, rec)] == ["支援 責任"]
    # a sign-off written past the API, with somebody else's signature, is not listed
    import json as _json
    forged = {"month": "2026-11", "digest": rec.digest(), "incomplete": 0}
    with ostore.transaction() as c:
        c.execute("INSERT INTO measure_events(id, kind, office_day, at, staff_id, terminal_id, payload, "
                  "auth_method, signature) VALUES ('forged', 'reconcile_signed', '2026-11-30', "
                  "'2026-11-30T01:00:00+00:00', ?, 'T001', ?, 'password', ?)",
                  (office.staff["officer2"], _json.dumps(forged), "00" * 64))
    assert [s["who"] for s in reports.signed_rows(ostore, rec)] == ["支援 責任"]
    actions = [a for (a,) in ostore.conn.execute("SELECT action FROM audit_log WHERE action LIKE 'measure.%'")]
    assert "measure.reconcile_signed" in actions
    # the content changes (a system confirmed): the old sign-off no longer matches this report
    R.confirm_system(ostore, clerk, office.measures["missing"], "戸籍の附票", clock=clock)
    assert reports.signed_rows(ostore, reports.reconcile(ostore, "2026-11", today=NOW.date())) == []
    assert dt.date(2026, 11, 30) == NOW.date()
