"""Rules of the certificate renewal (app.rules.renewal): the window from three months before the
expiry, an expired certificate issued anew, the signing certificate for a holder under 15, the
card expiring first, the fee; every reason in both channels with its source."""

from __future__ import annotations

import pytest

from app.rules import renewal
from app.workflows.explain import explain

CERTS = {"sign": {"not_after": "2027-01-31", "serial": "01"}, "auth": {"not_after": "2027-01-31", "serial": "02"}}


def _card_step(today, renew=("sign", "auth"), certs=CERTS, **facts):
    out = explain({"case_type": "cert_renewal", "today": today, "request": {
        "requester_type": "self", "holder_resident_id": "R", "renew": list(renew), "certificates": certs},
        "facts": {"holder_birth_date": "1985-01-31", "card_status": "active", "card_expiry": "2032-01-31", **facts}})
    return out["steps"][0]


@pytest.mark.parametrize("expiry,opens", [("2027-01-31", "2026-10-31"), ("2027-05-31", "2027-02-28"),
                                          ("2028-05-31", "2028-02-29"), ("2027-03-15", "2026-12-15")])
def test_the_window_opens_three_months_before(expiry, opens):
    assert renewal.window_opens(expiry) == opens


def test_first_day_of_the_window_allowed_the_day_before_refused():
    step = _card_step("2026-10-31")
    assert step["outcome"] == "allow"
    assert {r["code"] for r in step["reasons"]} >= {"renewal.within_window.sign", "renewal.fee_free"}
    step = _card_step("2026-10-30")
    assert step["outcome"] == "refuse"
    reason = next(r for r in step["reasons"] if r["code"] == "renewal.before_window.auth")
    assert "2026-10-31" in reason["ja"] and "残り 93 日" in reason["ja"] and "jpki.go.jp" in reason["source"]
    assert "2026-10-31" in reason["requester"]["ja"] and reason["requester"]["basis"]


def test_expired_certificates_are_issued_anew():
    step = _card_step("2027-03-01")
    assert step["outcome"] == "allow" and "renewal.expired.auth" in {r["code"] for r in step["reasons"]}


def test_signing_certificate_under_15():
    step = _card_step("2026-12-01", renew=("sign",), certs={"auth": CERTS["auth"]}, holder_birth_date="2013-01-31")
    assert step["outcome"] == "refuse" and [r["code"] for r in step["reasons"]] == ["renewal.sign_not_offered"]
    out = explain({"case_type": "cert_renewal", "today": "2026-12-01", "request": {
        "requester_type": "self", "holder_resident_id": "R", "renew": ["sign", "auth"],
        "certificates": {"auth": CERTS["auth"]}},
        "facts": {"holder_birth_date": "2013-01-31", "card_status": "active", "card_expiry": "2028-01-31"}})
    assert out["outcome"] == "blocked" and "renewal.sign_remove" in [r["code"] for r in out["reasons"]]


@pytest.mark.parametrize("card_expiry", ["2027-01-31", "2026-12-31", "2026-11-01"])
def test_card_expiring_first_or_expired_sends_to_card_renewal(card_expiry):
    step = _card_step("2026-12-01", card_expiry=card_expiry)
    assert step["outcome"] == "refuse" and [r["code"] for r in step["reasons"]] == ["renewal.card_expires_first"]
    reason = step["reasons"][0]
    assert "カードの更新" in reason["ja"] and "カードの更新" in reason["requester"]["ja"]


def test_a_signing_certificate_not_read_blocks_with_a_clear_message():
    out = explain({"case_type": "cert_renewal", "today": "2026-12-01", "request": {
        "requester_type": "self", "holder_resident_id": "R", "renew": ["sign"],
        "certificates": {"auth": CERTS["auth"], "sign": {"present": True}}},
        "facts": {"holder_birth_date": "1985-01-31", "card_status": "active", "card_expiry": "2032-01-31"}})
    assert out["outcome"] == "blocked" and out["reasons"][0]["code"] == "renewal.not_read.sign"


def test_confirmation_needs_new_longer_certificates():
    values = {"renew": ["auth"], "certificates": CERTS,
              "certificates_after": {"auth": {"not_after": "2027-01-31", "serial": "02"}}}
    assert [r.code for r in renewal.confirm_problems(values, "2026-12-01")] == ["renewal.not_renewed.auth"]
    values["certificates_after"] = {"auth": {"not_after": "2032-01-31", "serial": "09"}}
    assert renewal.confirm_problems(values, "2026-12-01") == []
