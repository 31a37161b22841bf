"""The supervisor's desk below the window (issue 16): figures by type and outcome, handling and
waiting times, refusals, issuance counts, CSV; the queues; the issuance-history search audits
every look-up of a protected person; ``madoguchi report daily|monthly --pdf``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from app.desk import supervisor as S
from app.desk.samples import NOW

from app.rules.cards import CARD_STATUS_REFUSAL
from app.rules.identity import NOT_ENOUGH
from app.security.restriction import REASONS as RESTRICTION_REASONS
from app.store import open_store
from tests.printing.pdfread import pdftotext


def test_figures_follow_the_events(ostore, office):
    day = dt.date(2026, 12, 1)
    # three cases written by hand so the figures are known exactly
    def case(ctype, events):
        from app.store.db import new_id

        cid = new_id()
        opened = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.timezone.utc)   # 09:00 JST
        with ostore.transaction() as c:
            c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES (?,?,?,?,?)",
                      (cid, ctype, "T001", office.staff["clerk1"], opened.isoformat()))
            for n, (minute, kind, payload) in enumerate(events, start=1):
                c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, payload) "
                          "VALUES (?,?,?,?,?,?,?,?)", (new_id(), cid, n, (opened + dt.timedelta(minutes=minute))
                                                        .isoformat(), office.staff["clerk1"], "T001", kind,
                                                        json.dumps(payload)))
    case("copy_issuance", [(0, "opened", {"status": "open"}), (2, "gated", {"status": "awaiting_release"}),
                           (12, "released", {"status": "open"}), (20, "completed", {"status": "completed"})])
    case("copy_issuance", [(0, "opened", {"status": "open"}), (5, "paused", {"status": "paused"}),
                           (65, "resumed", {"status": "open"}), (70, "refused", {
                               "status": "refused", "decision": {"reasons": [{"code": "identity.not_enough"}]}})])
    case("pin_reset", [(0, "opened", {"status": "open"}), (1, "paused", {"status": "paused"})])
    fig = S.figures(ostore.conn, S.day_period(day))
    assert fig.by_type_outcome == {"copy_issuance": {"completed": 1, "refused": 1}, "pin_reset": {"paused": 1}}
    assert (fig.handling.count, fig.handling.median) == (2, 15 * 60)        # 20 min, and 70 − 60 paused
    assert (fig.waiting.count, fig.waiting.median) == (1, 10 * 60)          # 10 min awaiting the officer
    assert fig.refusals == [("identity.not_enough", 1)]
    rows = list(csv.reader(io.StringIO(S.figures_csv(fig, "en"))))
    # the reason in the staff's words, as the rules declare it (identity.NOT_ENOUGH), and its code
    assert [NOT_ENOUGH.en, "identity.not_enough", "1"] in rows
    assert [NOT_ENOUGH.ja, "identity.not_enough", "1"] in csv.reader(io.StringIO(S.figures_csv(fig, "ja")))
    assert ["Issuing copies of the resident record", "1", "1", "0", "2"] in rows and ["handling", "2", "15.0", "18.3"] not in rows
    assert ["handling", "2", "15.0", "20.0"] in rows


def test_the_sample_day_and_month(ostore, office):
    day = S.figures(ostore.conn, S.day_period(NOW.date()))
    month = S.figures(ostore.conn, S.month_period("2026-11"))
    assert day.total == 60 and month.total == 60
    assert sum(n for _d, n in day.issuance) == ostore.conn.execute(
        "SELECT count(*) FROM issued_documents").fetchone()[0]
    assert day.handling.p90 >= day.handling.median > 0
    assert S.figures(ostore.conn, S.month_period("2026-10")).total == 0


def test_queues_need_a_supervisor(ostore, office):
    q = S.queues(ostore, NOW)
    assert [i.ref for i in q["measures_confirm"]] == [office.pending_registration]
    assert all(i.red for i in q["measures_confirm"])
    renew = {i.ref: i for i in q["measures_renew"]}
    assert renew[office.measures["overdue"]].red and "renewal overdue" in renew[office.measures["overdue"]].en
    assert not renew[office.measures["ending"]].red
    systems = {i.ref: i for i in q["systems"]}
    assert "戸籍の附票" in systems[office.measures["missing"]].ja and systems[office.measures["missing"]].red
    assert [i.ref for i in q["terminals"]] == ["T002"]          # synced 3 hours ago
    assert len(q["relocks"]) == 1
    forwarded = sorted(i.en.split(": ", 1)[1] for i in q["forwardings"])
    assert forwarded == ["received from 川崎市 on 2026-11-25", "sent to 千葉市 2026-11-20, not yet acknowledged",
                         "sent to 横浜市 2026-11-05, acknowledged 2026-11-09"]
    # tomorrow the registration can no longer be confirmed: it says so
    late = S.queues(ostore, NOW + dt.timedelta(days=1))
    assert "register again" in late["measures_confirm"][0].en


def test_paused_cases_show_after_the_setting(ostore, office):
    from app.store.db import new_id

    cid = new_id()
    at = NOW - dt.timedelta(minutes=45)
    with ostore.transaction() as c:
        c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES (?,?,?,?,?)",
                  (cid, "pin_reset", "T001", office.staff["clerk1"], at.isoformat()))
        c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, payload) VALUES "
                  "(?,?,1,?,?,'T001','paused','{\"status\": \"paused\"}')", (new_id(), cid, at.isoformat(),
                                                                             office.staff["clerk1"]))
    assert cid not in [i.ref for i in S.queues(ostore, NOW)["paused"]]          # 45 < 60 minutes
    with ostore.transaction() as c:
        c.execute("INSERT INTO settings(key, value) VALUES ('desk.paused_alert_minutes', '30')")
    assert cid in [i.ref for i in S.queues(ostore, NOW)["paused"]]


def test_issuance_history_search_audits_every_protected_person(ostore, office):
    def lookups():
        return ostore.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'lookup.protected' AND "
                                   "target_id = ?", (office.residents["aoki"],)).fetchone()[0]
    before = lookups()
    rows = S.issuance_history(ostore, staff_id=office.staff["officer1"], terminal_id="T001")
    hit = [r for r in rows if r.protected]
    assert len(hit) == 1 and hit[0].targets == ("青木 美咲",)
    assert lookups() == before + 1
    by_name = S.issuance_history(ostore, staff_id=office.staff["officer1"], terminal_id="T001", name="あおき")
    assert [r.issue_number for r in by_name] == [hit[0].issue_number]
    assert lookups() == before + 2
    none = S.issuance_history(ostore, staff_id=office.staff["officer1"], terminal_id="T001", document="fuhyo_removed")
    assert all(r.document_type == "fuhyo_removed" for r in none)


def test_report_daily_and_monthly_pdf(cli, office, tmp_path):
    out = tmp_path / "daily.pdf"
    r = cli("report", "daily", "--store", str(office.path), "--date", "2026-11-30", "--pdf", str(out),
            "--csv", str(tmp_path / "daily.csv"))
    assert r.returncode == 0, r.stderr
    text = "".join(pdftotext(out.read_bytes(), tmp_path)).replace(" ", "")
    for words in ("監督者日報", "要対応（赤）", "手続別・結果別の件数（計60件）", "交付件数", "同期していない端末"):
        assert words in text, words
    # refusals by reason in words (the sample refusals' codes, worded by their declarations)
    with open_store(office.path) as store:
        refusals = S.figures(store.conn, S.day_period(NOW.date())).refusals
    assert refusals and "理由コード" in text
    for code, _n in refusals:
        assert code in text and S.reason_words(code)[:12] in text, code
    assert (tmp_path / "daily.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    r = cli("report", "monthly", "--store", str(office.path), "--month", "2026-11", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["total"] == 60
    r = cli("report", "monthly", "--store", str(office.path), "--month", "11/2026")
    assert r.returncode == 2 and "YYYY-MM" in r.stderr


def test_refusal_reasons_are_worded_by_their_declaration_never_by_a_case():
    """A reason declared once is shown with its staff text; one written per case (it names the
    case's person or item) is shown with its family's words, never a case's text; an unknown code
    as it is."""
    from app.rules.reasons import FAMILIES

    assert S.reason_words("dv.perpetrator", "en") == RESTRICTION_REASONS["dv.perpetrator"].en
    assert S.reason_words("pin.card_revoked") == CARD_STATUS_REFUSAL["revoked"].ja
    assert S.reason_words("copy.scope.not_same_household", "en") == FAMILIES["copy.scope."][1]
    assert S.reason_words("copy.item.not_on_document.my_number") == FAMILIES["copy.item.not_on_document."][0]
    assert S.reason_words("copy.delivery.my_number.self.post.x") == FAMILIES["copy.delivery.my_number."][0]
    assert S.reason_words("no.such.code") == "no.such.code"
    assert S.reason_words(None, "en") == "(no reason recorded)"
