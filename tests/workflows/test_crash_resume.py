"""Resume after a crash at every step of every case type: a child process drives a case on a real
store, is killed with SIGKILL half-way through a step, and a fresh engine finds the case at the
same step with the same values and ticks, and can finish it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from app.workflows.engine import COMPLETED, CaseEngine
from tests.workflows.helpers import add_application, add_card, add_household, add_resident, add_staff

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _in_years(years: int) -> str:
    import datetime as dt

    day = dt.date.today()
    return (day.replace(year=day.year + years) if (day.month, day.day) != (2, 29)
            else day.replace(year=day.year + years, day=28)).isoformat()


#: the pin holder's card in the towns runs ten years from today (so its certificates can renew)
PIN_HOLDER_CARD_EXPIRY = _in_years(10)


def renewal_certificates():
    """What a read of the pin holder's card gives before and after a renewal: the old
    certificates expire in 30 days, the new ones in five years."""
    import datetime as dt

    old = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return ({"auth": {"not_after": old, "serial": "0A02"}, "sign": {"not_after": old, "serial": "0A01"}},
            {"auth": {"not_after": _in_years(5), "serial": "0B02"}, "sign": {"not_after": _in_years(5), "serial": "0B01"}})


def plans(ids):
    a, gone = ids["adult"], ids["gone"]
    before, after = renewal_certificates()
    return {
        "pin_reset": [
            ["requester", ["card_presented", "power_of_attorney"],
             {"requester_type": "voluntary_agent", "holder_resident_id": ids["pin_holder"], "secrets": ["auth", "juki"],
              "requester_family_name": "代理", "requester_given_name": "次郎", "requester_family_kana": "ダイリ",
              "requester_given_kana": "ジロウ", "requester_birth_date": "1970-01-01",
              "requester_address": "研修市本町1番地"}],
            ["identity", ["documents_original", "oral_address_checked", "oral_birth_date_checked", "oral_sex_checked"],
             {"identity_documents": ["health_insurance_card", "pension_book"], "oral_questions": "done",
              "stated_address": "研修市本町1番地", "stated_birth_date": "1970-01-01", "stated_sex": "1"}],
            ["return_visit", ["form_sealed", "form_answered", "agent_identity_again"], {"inquiry_form_returned": True}],
            ["reset", ["reset_in_cas"], {}],
            ["confirm", [], {"retry_counters": {"auth": 3, "juki": 3}}],
            ["new_pin", ["holder_set_pin"], {"new_pin_set": ["auth", "juki"]}],
        ],
        "suspension_lift": [
            ["holder", ["power_of_attorney"], {"requester_type": "voluntary_agent", "holder_resident_id": ids["lift_holder"],
                                               "requester_family_name": "代理", "requester_given_name": "三郎",
                                               "requester_family_kana": "ダイリ", "requester_given_kana": "サブロウ",
                                               "requester_birth_date": "1970-01-01",
                                               "requester_address": "研修市本町1番地"}],
            ["identity", ["found_card_presented", "documents_original"], {"identity_documents": ["passport"]}],
            ["return_visit", ["form_sealed", "form_answered", "agent_identity_again"], {"inquiry_form_returned": True}],
            ["lift", ["lift_in_cas", "certificates_handled"], {}],
        ],
        "status_inquiry": [
            ["request", ["identity_checked"], {"method": "four_items", "family_name": "研修", "given_name": "花子",
                                               "address": "研修市中央一丁目1番1号", "birth_date": "1985-06-15", "sex": "2"}],
            ["answer", ["answer_given"], {}],
        ],
        "copy_issuance": [
            ["request", ["request_form"], {"document": "juminhyo", "requester_type": "self", "requester_resident_id": a,
                                           "target_resident_ids": [a], "scope": "household", "include_removed": False,
                                           "items": ["household"], "purpose": "own_use", "purpose_detail": "年金"}],
            ["delivery", [], {"channel": "counter", "delivery": "hand_over"}],
            ["identity", ["documents_original"], {"identity_documents": ["driving_licence"]}],
            ["issue", ["documents_match", "fee_received"], {}],
        ],
        "cert_renewal": [
            ["card", ["card_presented"], {"requester_type": "self", "holder_resident_id": ids["pin_holder"],
                                          "certificates": before, "renew": ["sign", "auth"]}],
            ["identity", ["documents_original"], {"identity_documents": ["my_number_card"]}],
            ["renew", ["holder_typed_pins", "issued_in_cas"], {}],
            ["confirm", [], {"certificates_after": after}],
        ],
    }


@pytest.fixture
def town(store):
    hid = add_household(store)
    adult = add_resident(store, hid, birth="1985-06-15")
    pin_holder = add_resident(store, hid, given="一郎", given_kana="イチロウ", birth="1950-01-01", sex=1)
    lift_holder = add_resident(store, hid, given="三郎", given_kana="サブロウ", birth="1960-01-01", sex=1)
    gone = add_resident(store, None, given="四郎", given_kana="シロウ", status="removed", removal_reason="moved_out")
    add_card(store, pin_holder, locked=["auth"], expiry=PIN_HOLDER_CARD_EXPIRY)
    add_card(store, lift_holder, status="suspended")
    add_application(store, adult, "3" * 23)
    staff = add_staff(store, "crash", "障害 試験")
    return {"adult": adult, "pin_holder": pin_holder, "lift_holder": lift_holder, "gone": gone, "staff": staff}


CASES = [(ct, k) for ct, n in (("pin_reset", 6), ("suspension_lift", 4), ("status_inquiry", 2),
                               ("copy_issuance", 4), ("cert_renewal", 4)) for k in range(n)]


@pytest.mark.parametrize("case_type,stop_at", CASES)
def test_resume_after_kill(store, store_path, town, case_type, stop_at):
    plan = plans(town)[case_type]
    job = {"store": str(store_path), "staff": town["staff"], "case_type": case_type, "plan": plan, "stop_at": stop_at}
    env = {**os.environ, "PYTHONPATH": REPO}
    child = subprocess.Popen([sys.executable, "-m", "tests.workflows.crash_child"], cwd=REPO, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        child.stdin.write(json.dumps(job))
        child.stdin.close()
        line = child.stdout.readline()
        assert line.startswith("READY "), child.stderr.read() if child.poll() is not None else line
        expected = json.loads(line[6:])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # a fresh engine in this process (another terminal) finds everything as it was
    engine = CaseEngine(store, staff_id=town["staff"], terminal_id="T-AFTER", today="2026-11-25")
    view = engine.current_step(expected["case_id"])
    assert view.step == expected["step"] == plan[stop_at][0]
    assert view.status == expected["status"]
    assert {f.id: f.value for f in view.fields if f.value is not None} == expected["values"]
    assert sorted(i.id for i in view.items if i.checked) == expected["checked"]
    assert [q.case_id for q in engine.queue()] == [expected["case_id"]]
    # and the case can be finished from there
    cid = expected["case_id"]
    for step, ticks, values in plan[stop_at:]:
        if engine.current_step(cid).status == "paused":
            engine.resume(cid)
        assert engine.current_step(cid).step == step
        for item in ticks:
            engine.tick(cid, item)
        for key, value in values.items():
            engine.set_value(cid, key, value)
        view = engine.next(cid)
    assert view.status == COMPLETED, view.blocking
