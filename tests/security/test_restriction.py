"""The restriction stage against the eleven points of DOMAIN.md "DV and stalking support
measures" (each test names its point) and the source's additions (docs/SOURCES.md D7, D9-D11)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.rules.core import Outcome, Person, RequestScope, run_pipeline
from app.security import audit, measures, release
from app.security.restriction import REASONS, restriction_stage

TERMINAL = "T001"
from tests.security.helpers import PERPETRATOR, VICTIM_ADDRESS, open_case  # noqa: E402


def scope_for(case_id, clerk, persons=(), mail_to=(), documents=("juminhyo",), **kw):
    return RequestScope(case_id=case_id, case_type="copy_issuance", handling_staff_id=clerk,
                        persons=tuple(persons), mail_to=tuple(mail_to), documents=tuple(documents),
                        **kw)


@pytest.fixture
def case(sstore, world):
    return open_case(sstore, world["staff"]["clerk1"])


@pytest.fixture
def stage(sstore, clock):
    return restriction_stage(sstore, clock=clock, terminal_id=TERMINAL)


def codes(decision):
    return [r.code for r in decision.reasons]


# 1. A restricted record blocks the case -------------------------------------------------------

@pytest.mark.parametrize("who", ["V", "C", "R"])
def test_p1_any_protected_person_in_scope_blocks(stage, world, case, who):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world[who]]))
    assert d.outcome is Outcome.RESTRICT and "dv.restricted" in codes(d)
    assert d.data["protected"] == [world[who]]
    assert all(r.source for r in d.reasons) and all(r.ja and r.en for r in d.reasons)


def test_p1_unprotected_scope_passes_untouched(stage, world, case):
    assert stage(scope_for(case, world["staff"]["clerk1"], persons=[world["U"]])) is None


def test_p1_the_restriction_stops_the_whole_pipeline(stage, world, case):
    later = []
    d = run_pipeline([stage, lambda s: later.append(s)], scope_for(
        case, world["staff"]["clerk1"], persons=[world["V"]]))
    assert d.outcome is Outcome.RESTRICT and later == []


def test_p1_no_clerk_can_lift_it(sstore, stage, world, case, sign_in, clock):
    clerk = sign_in("clerk2")            # a clerk who is not even handling the case
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope_for(case, world["staff"]["clerk1"], persons=[world["V"]]), clerk,
                      clock=clock)
    assert err.value.code == "release.not_officer"


def test_p1_a_measure_past_its_end_date_still_blocks_until_ended(sstore, stage, world, case,
                                                                  clock, sign_in):
    import datetime as dt
    clock.advance(400 * 86400)           # more than a year later, nobody renewed or ended it
    scope = scope_for(case, world["staff"]["clerk1"], persons=[world["V"]])
    assert stage(scope).outcome is Outcome.RESTRICT
    assert world["measure"].past_end_date(clock.now().date())
    measures.end_measure(sstore, sign_in("officer1"), world["measure"].id,
                         on=clock.now().date(), reason="支援の必要がなくなった", clock=clock)
    assert stage(scope) is None


def test_p1_db_refuses_an_alert_only_level(sstore, world):
    with pytest.raises(sqlite3.IntegrityError, match="alert"):
        sstore.conn.execute("UPDATE support_measures SET level = 'alert' WHERE id = ?",
                            (world["measure"].id,))
    with pytest.raises(sqlite3.IntegrityError):
        sstore.conn.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, "
                            "level) VALUES ('x', ?, 'dv', 'active', '2026-01-01', 'alert')",
                            (world["U"],))


# 2/3. Release only by the officer, narrowly; two different people ------------------------------

def test_p2_officer_release_opens_exactly_this_request(sstore, stage, world, case, sign_in, clock):
    clerk = world["staff"]["clerk1"]
    scope = scope_for(case, clerk, persons=[world["V"]])
    r = release.grant(sstore, scope, sign_in("officer1"),
                      checklist={"request_form": True, "identity_documents": True,
                                 "documents_to_issue": True}, clock=clock)
    d = stage(scope)
    assert d.outcome is Outcome.ALLOW and d.data["release_id"] == r.id
    # the processing slip can show who checked what (confirmer fields)
    assert r.officer_id == world["staff"]["officer1"] and r.checklist["identity_documents"]
    assert r.handling_staff_id == clerk


def test_p3_the_handling_clerk_cannot_release_even_holding_both_roles(sstore, world, sign_in, clock):
    case = open_case(sstore, world["staff"]["dual1"])
    scope = scope_for(case, world["staff"]["dual1"], persons=[world["V"]])
    with pytest.raises(release.ReleaseError) as err:
        release.grant(sstore, scope, sign_in("dual1"), clock=clock)
    assert err.value.code == "release.same_person"
    # a different officer can
    assert release.grant(sstore, scope, sign_in("officer1"), clock=clock).officer_id == world["staff"]["officer1"]


# 4/5. The perpetrator gets nothing; court cases go through the court --------------------------

PERP = Person(family_name="加害", given_name="太郎", family_kana="カガイ", given_kana="タロウ",
              birth_date="1980-05-05", address=PERPETRATOR["address"])


@pytest.mark.parametrize("requester,kw", [
    (PERP, {}),                                                         # name + birth + address
    (Person(family_name="加害", given_name="太郎", birth_date="1980-05-05"), {}),   # name + birth
    (Person(family_kana="かがい", given_kana="たろう", address="研修市北町五丁目６番７号"), {}),  # kana + addr
    (Person(family_name="別人", given_name="名前"), {"requester_resident_id": "P"}),  # his record
])
def test_p4_the_perpetrator_is_refused(stage, world, case, requester, kw):
    kw = {k: world[v] for k, v in kw.items()}
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"]], requester=requester,
                        requester_type="third_party", **kw))
    assert d.outcome is Outcome.REFUSE and codes(d) == ["dv.perpetrator"]


@pytest.mark.parametrize("requester,client", [
    (Person(family_name="弁護", given_name="士郎"), None),                # his lawyer on record
    (Person(family_name="司法", given_name="書士"), PERP),                  # a professional for him
])
def test_p4_a_professional_acting_for_the_perpetrator_is_refused(stage, world, case, requester, client):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"]], requester=requester,
                        requester_type="professional", professional_client=client,
                        purpose="other_justified"))
    assert d.outcome is Outcome.REFUSE and codes(d) == ["dv.perpetrator_agent"]


def test_p4_the_perpetrator_asking_for_his_own_record_is_not_blocked(stage, world, case):
    assert stage(scope_for(case, world["staff"]["clerk1"], persons=[world["P"]],
                           requester=PERP, requester_type="self")) is None


def test_p4_even_a_release_does_not_open_it_for_the_perpetrator(sstore, stage, world, case, sign_in, clock):
    scope = scope_for(case, world["staff"]["clerk1"], persons=[world["V"]], requester=PERP,
                      requester_type="third_party")
    release.grant(sstore, scope, sign_in("officer1"), clock=clock)
    assert stage(scope).outcome is Outcome.REFUSE


def test_p5_court_submission_for_the_perpetrator_shows_the_inquiry_commission_guidance(stage, world, case):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"]],
                        requester=Person(family_name="司法", given_name="書士"),
                        requester_type="professional", professional_client=PERP,
                        purpose="court_submission"))
    assert d.outcome is Outcome.REFUSE and "dv.court" in codes(d)
    court = REASONS["dv.court"]
    assert "裁判所" in court.ja and "調査嘱託" in court.ja and "2018-12-03" in court.source
    assert d.data["court_guidance"] is True


# 6/7. Identity of a requester claiming to be the victim; cross-checks -------------------------

def test_p6_no_photo_id_asks_for_own_address_sex_and_birth_date(stage, world, case):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"]], requester_type="self",
                        requester_resident_id=world["V"], identity=("health_insurance_card",
                                                                    "pension_book")))
    assert d.outcome is Outcome.RESTRICT and "dv.identity_ask" in codes(d)
    assert "dv.reason_required" in codes(d)        # even the person themself states a reason


@pytest.mark.parametrize("stated,outcome", [
    (dict(address=VICTIM_ADDRESS, sex=2, birth_date="1985-03-03"), Outcome.RESTRICT),
    (dict(address="研修市中央１丁目２番４号", sex=2, birth_date="1985-03-03"), Outcome.REFUSE),  # other address
    (dict(address="研修市中央１丁目２番３号", sex=2, birth_date="1985-03-03"), Outcome.RESTRICT),  # same, other notation
    (dict(address=VICTIM_ADDRESS, sex=1, birth_date="1985-03-03"), Outcome.REFUSE),
    (dict(address=VICTIM_ADDRESS, sex=2, birth_date="1985-03-04"), Outcome.REFUSE),
])
def test_p6_stated_particulars_compared_with_the_record(stage, world, case, stated, outcome):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"]], requester_type="self",
                        requester_resident_id=world["V"], identity=("health_insurance_card",),
                        requester=Person(family_name="被害", given_name="花子", **stated),
                        purpose="own_right"))
    assert d.outcome is outcome
    if outcome is Outcome.REFUSE:
        assert codes(d) == ["dv.identity_mismatch"]
    else:                                          # matches: still the officer's release
        assert "dv.identity_ask" not in codes(d)


def test_p7_a_name_only_match_with_the_perpetrator_is_flagged_for_the_officer(stage, world, case):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"]],
                        requester=Person(family_name="加害", given_name="太郎", birth_date="1999-09-09"),
                        requester_type="third_party"))
    assert d.outcome is Outcome.RESTRICT and "dv.possible_perpetrator" in codes(d)


# 8/9. Scope of the request; mail and contact ------------------------------------------------

def test_p8_every_person_in_scope_is_checked(stage, world, case):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["U"], world["C"]]))
    assert d.outcome is Outcome.RESTRICT and d.data["protected"] == [world["C"]]


def test_p9_a_mailing_to_a_protected_person_is_restricted(stage, world, case):
    d = stage(scope_for(case, world["staff"]["clerk1"], persons=[world["U"]], mail_to=[world["V"]]))
    assert d.outcome is Outcome.RESTRICT and d.data["protected"] == [world["V"]]


def test_p9_the_perpetrators_phone_is_never_stored(sstore, world, sign_in):
    cols = [r[1] for r in sstore.conn.execute("PRAGMA table_info(support_measures)")]
    assert not [c for c in cols if "phone" in c or "tel" in c]
    for field in ("address", "relationship", "lawyer_office"):
        with pytest.raises(measures.MeasureError, match="phone"):
            measures.create_measure(
                sstore, sign_in("officer1"), target_id=world["U"], kind="dv",
                applied_date=__import__("datetime").date(2026, 1, 1),
                start_date=__import__("datetime").date(2026, 1, 1),
                perpetrator=measures.Perpetrator(family_name="某", **{field: "TEL 090-1234-5678"}))
    assert measures.protected_ids(sstore.conn, [world["U"]]) == set()


# 11. Everything is logged -------------------------------------------------------------------

def test_p11_every_decision_touching_a_protected_person_is_logged(sstore, stage, world, case):
    stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"], world["C"]]))
    rows = sstore.conn.execute("SELECT staff_id, terminal_id, target_id, at, case_id, detail "
                               "FROM audit_log WHERE action = 'restriction.block'").fetchall()
    assert {r[2] for r in rows} == {world["V"], world["C"]}
    assert all(r[0] == world["staff"]["clerk1"] and r[1] == TERMINAL and r[3] and r[4] == case
               for r in rows)
    assert json.loads(rows[0][5])["reasons"] == ["dv.restricted"]
    stage(scope_for(case, world["staff"]["clerk1"], persons=[world["V"], world["C"]]))
    assert len(sstore.conn.execute("SELECT 1 FROM audit_log WHERE action = 'restriction.block'")
               .fetchall()) == 2                  # the same check again is not logged twice
    assert audit.verify(sstore.conn).ok


def test_p11_lookups_of_protected_persons_are_logged(sstore, world):
    from app.security.restriction import record_lookup

    found = record_lookup(sstore, [world["U"], world["V"]], staff_id=world["staff"]["clerk1"],
                          terminal_id=TERMINAL, context="residents.search")
    assert found == {world["V"]}
    row = sstore.conn.execute("SELECT target_id, staff_id FROM audit_log WHERE action='lookup.protected'").fetchall()
    assert row == [(world["V"], world["staff"]["clerk1"])]
