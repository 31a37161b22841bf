"""Table-driven tests: every row of every rule table, with the expected answers written out here
from the sources (not read back from the tables), so that a wrong table row fails."""

from __future__ import annotations

import itertools

import pytest

from app.rules import cards, copies, inquiry, tables
from app.rules.core import Outcome
from app.rules.identity import identity_problems
from app.rules.settings import SETTINGS, SettingError, Settings
from app.workflows.pipeline import PipelineContext

TODAY = "2026-11-25"


def ctx(values, settings=None, today=TODAY, point="*"):
    return PipelineContext(case_type="copy_issuance", point=point, values=values,
                           settings=Settings(settings or {}), today=today)


def decide(stage_factory, values, **kw):
    return stage_factory(None, ctx(values, **kw))(None)


# -- requester types: purpose rule --------------------------------------------------------------

PURPOSES_REQUIRED = {
    "self": None, "same_household": None, "voluntary_agent": None, "legal_representative": None,
    "messenger": None,
    "public_body": {"official_duty"},
    "third_party": {"own_right", "public_submission", "other_justified", "court_submission"},
    "professional": {"own_right", "public_submission", "other_justified", "court_submission"},
}


def test_requester_table_has_exactly_the_eight_types():
    assert set(tables.REQUESTER_TYPES) == set(PURPOSES_REQUIRED)


@pytest.mark.parametrize("rtype,purpose", list(itertools.product(PURPOSES_REQUIRED, tables.PURPOSES)))
def test_requester_purpose(rtype, purpose):
    decision = decide(copies.requester_stage, {"requester_type": rtype, "purpose": purpose,
                                               "client_family_name": "依頼", "client_given_name": "花子"})
    allowed = PURPOSES_REQUIRED[rtype]
    expected = Outcome.ALLOW if allowed is None or purpose in allowed else Outcome.REFUSE
    assert decision.outcome is expected
    assert all(r.source for r in decision.reasons)


REQUIREMENTS = {
    "self": set(), "same_household": set(),
    "public_body": {"public_agency", "public_legal_basis", "public_officer"},
    "third_party": {"third_party_reason_documents"},
    "professional": {"professional_form", "professional_badge"},
    "voluntary_agent": {"power_of_attorney"},
    "legal_representative": {"authority_proof"},
    "messenger": {"authority_proof", "messenger_letter"},
}


@pytest.mark.parametrize("rtype", sorted(REQUIREMENTS))
def test_requester_requirements(rtype):
    assert {i for i, _, _ in tables.REQUESTER_TYPES[rtype].requirements} == REQUIREMENTS[rtype]


# -- item permissions ---------------------------------------------------------------------------

PERSON_SIDE = {"self", "same_household", "voluntary_agent", "legal_representative", "messenger"}
ITEM_ALLOWED = {
    "household": PERSON_SIDE | {"public_body"},
    "domicile": PERSON_SIDE | {"public_body"},
    "history": PERSON_SIDE | {"public_body"},
    "my_number": PERSON_SIDE,
    "resident_code": PERSON_SIDE,
}


@pytest.mark.parametrize("item,rtype", list(itertools.product(ITEM_ALLOWED, PURPOSES_REQUIRED)))
def test_item_permission(item, rtype):
    values = {"document": "juminhyo", "requester_type": rtype, "items": [item],
              "power_of_attorney_my_number": True}
    decision = decide(copies.items_stage, values)
    assert decision.allowed is (rtype in ITEM_ALLOWED[item])
    if not decision.allowed and item in ("my_number", "resident_code"):
        assert "本人又は同一世帯員" in decision.reasons[0].ja


DOCUMENT_ITEMS = {
    "juminhyo": {"household", "domicile", "my_number", "resident_code", "history"},
    "kisai_jiko": {"household", "domicile", "my_number", "resident_code", "history"},
    "fuhyo": {"domicile", "history"},
    "juminhyo_removed": {"household", "domicile", "my_number", "resident_code", "history"},
    "fuhyo_removed": {"domicile", "history"},
}


@pytest.mark.parametrize("document,item", list(itertools.product(DOCUMENT_ITEMS, ITEM_ALLOWED)))
def test_items_per_document(document, item):
    decision = decide(copies.items_stage, {"document": document, "requester_type": "self", "items": [item]})
    assert decision.allowed is (item in DOCUMENT_ITEMS[document])


def test_my_number_by_agent_needs_explicit_power_of_attorney():
    values = {"document": "juminhyo", "requester_type": "voluntary_agent", "items": ["my_number"]}
    assert decide(copies.items_stage, values).reasons[0].code == "copy.item.power_of_attorney_my_number"
    assert decide(copies.items_stage, {**values, "power_of_attorney_my_number": True}).allowed


# -- the My-Number-copy delivery table ------------------------------------------------------------
# Written out from the source (S:849-942): row -> channel -> deliveries allowed since 2018-11-27.

H, PP, PO, PR = "hand_over", "post_person_address", "post_other_address", "post_representative_address"
DELIVERY_AFTER = {
    ("self", "counter"): {H},
    ("self", "post"): {PP, PO},
    ("legal_representative", "counter"): {H},
    ("legal_representative", "post"): {PP, PR},
    ("messenger", "counter"): {PP, PR},
    ("messenger", "post"): {PP, PR},
    ("voluntary_agent", "counter"): {PP},
    ("voluntary_agent", "post"): {PP},
}
DELIVERY_BEFORE = {**DELIVERY_AFTER, ("legal_representative", "counter"): {PP},
                   ("legal_representative", "post"): {PP}}
ROW_REQUESTER = {"self": ("self", None), "legal_representative": ("legal_representative", "minor_under_15"),
                 "messenger": ("messenger", None), "voluntary_agent": ("voluntary_agent", None)}


def test_delivery_table_rows():
    assert set(tables.MY_NUMBER_DELIVERY) == set(DELIVERY_AFTER)


@pytest.mark.parametrize("row,channel,delivery,today", [
    (r, c, d, t) for (r, c) in DELIVERY_AFTER for d in (H, PP, PO, PR) for t in ("2018-11-26", "2018-11-27", TODAY)
])
def test_delivery_table_cell(row, channel, delivery, today):
    rtype, rep = ROW_REQUESTER[row]
    values = {"requester_type": rtype, "representation": rep, "items": ["my_number"], "channel": channel,
              "delivery": delivery, "post_reason": "入院中", "post_place": "病院", "post_reason_justified": True}
    table = DELIVERY_AFTER if today >= "2018-11-27" else DELIVERY_BEFORE
    allowed = delivery in table[(row, channel)] and not (delivery == H and channel == "post")
    decision = decide(copies.delivery_stage, values, today=today)
    assert decision.allowed is allowed, decision.reasons
    if allowed:
        assert decision.reasons[0].code == f"copy.delivery.my_number.{row}.{channel}.{delivery}"
        assert "平成30年11月27日" in decision.reasons[0].source


@pytest.mark.parametrize("rep,row", [
    ("minor_under_15", "legal_representative"), ("adult_guardian", "legal_representative"),
    ("minor_15_plus", "voluntary_agent"), ("curator", "voluntary_agent"), ("assistant", "voluntary_agent"),
])
def test_delivery_row_of_legal_representatives(rep, row):
    assert copies.delivery_row({"requester_type": "legal_representative", "representation": rep}) == row


def test_delivery_effective_date_is_a_setting():
    values = {"requester_type": "legal_representative", "representation": "adult_guardian",
              "items": ["my_number"], "channel": "counter", "delivery": H}
    assert decide(copies.delivery_stage, values).allowed
    later = {"my_number_copy.effective_date": "2030-01-01"}
    assert not decide(copies.delivery_stage, values, settings=later).allowed


def test_self_posting_elsewhere_needs_reason_and_place():
    values = {"requester_type": "self", "items": ["my_number"], "channel": "post", "delivery": PO}
    assert decide(copies.delivery_stage, values).reasons[0].code == "copy.delivery.other_address_unjustified"
    assert decide(copies.delivery_stage, {**values, "post_reason": "入院", "post_place": "病院",
                                          "post_reason_justified": True}).allowed


@pytest.mark.parametrize("with_my_number", [True, False])
def test_posting_to_a_removed_persons_address_is_refused_where_the_delivery_is_chosen(with_my_number):
    """A removed record (moved away, deceased) has no registered address here: posting 'to the
    person's address' was allowed by the rules and then refused at printing after the case had
    completed. The delivery step refuses it now; the requester hears only the neutral sentence."""
    from app.rules import said

    moved = {"id": "R1", "name": "R1", "status": "removed", "removal_reason": "moved_out"}
    values = {"requester_type": "self", "items": ["my_number"] if with_my_number else [], "channel": "post",
              "delivery": PP, "target_resident_ids": ["R1"], "persons_facts": [moved]}
    decision = decide(copies.delivery_stage, values)
    assert not decision.allowed
    assert decision.reasons[0].code == "copy.delivery.no_registered_address"
    assert decision.reasons[0].requester == said.NOT_ISSUED
    active = {**values, "persons_facts": [{**moved, "status": "active"}]}
    assert decide(copies.delivery_stage, active).allowed
    assert decide(copies.delivery_stage, {**values, "delivery": PO, "post_reason": "入院",
                                          "post_place": "病院", "post_reason_justified": True}).allowed


def test_agent_posting_elsewhere_quotes_the_source():
    values = {"requester_type": "voluntary_agent", "items": ["my_number"], "channel": "post", "delivery": PO,
              "post_reason": "x", "post_place": "y", "post_reason_justified": True}
    assert "理由及び送付場所が正当と認められません" in decide(copies.delivery_stage, values).reasons[0].ja


# -- identity documents ---------------------------------------------------------------------------

GROUPS = {
    "photo": ["my_number_card", "driving_licence", "passport", "residence_card",
              "special_permanent_resident_certificate", "disability_handbook_photo",
              "driving_history_certificate", "official_photo_licence", "official_staff_id"],
    "A": ["health_insurance_card", "pension_book", "care_insurance_card", "seal_registration_certificate"],
    "B": ["student_id", "employee_id", "bank_book", "other_b"],
    "not_accepted": ["self_written"],
}


def test_identity_table_groups():
    assert {c: r.group for c, r in tables.IDENTITY_DOCUMENTS.items()} == {
        c: g for g, codes in GROUPS.items() for c in codes}


@pytest.mark.parametrize("doc", GROUPS["photo"])
def test_one_photo_id_is_enough(doc):
    assert identity_problems([doc]) == []


@pytest.mark.parametrize("a,other", [(a, o) for a in GROUPS["A"] for o in GROUPS["A"] + GROUPS["B"] if o != a])
def test_a_plus_a_or_b_with_oral_questions(a, other):
    assert [r.code for r in identity_problems([a, other])] == ["identity.oral_questions"]
    assert identity_problems([a, other], "done") == []
    assert [r.code for r in identity_problems([a, other], "not_needed")] == ["identity.oral_questions"]
    assert identity_problems([a, other], "not_needed", "顔見知りの職員が確認") == []


@pytest.mark.parametrize("b1,b2", list(itertools.combinations(GROUPS["B"], 2)))
def test_b_plus_b_is_not_enough(b1, b2):
    assert [r.code for r in identity_problems([b1, b2], "done")] == ["identity.not_enough"]


@pytest.mark.parametrize("doc", GROUPS["A"] + GROUPS["B"])
def test_one_non_photo_document_is_not_enough(doc):
    assert [r.code for r in identity_problems([doc], "done")] == ["identity.not_enough"]


def test_self_written_never_counts():
    assert [r.code for r in identity_problems(["self_written", "health_insurance_card"], "done")] == [
        "identity.self_made", "identity.not_enough"]
    assert identity_problems([]) [0].code == "identity.none"


# -- secrets and card requesters ------------------------------------------------------------------

@pytest.mark.parametrize("code,tries,needs_sign", [("sign", 5, True), ("auth", 3, False), ("juki", 3, False),
                                                   ("input", 3, False)])
def test_secret_rows(code, tries, needs_sign):
    row = tables.SECRETS[code]
    assert (row.max_tries, row.needs_sign_certificate) == (tries, needs_sign)
    values = {"secrets": [code], "retry_counters": {code: tries}}
    assert cards.counters_problems(values) == []
    assert [r.code for r in cards.counters_problems({**values, "retry_counters": {code: tries - 1}})] == [
        f"pin.counter_not_full.{code}"]


@pytest.mark.parametrize("rtype,same_day", [("self", True), ("legal_representative", True), ("voluntary_agent", False)])
def test_card_requester_rows(rtype, same_day):
    wait = cards.agent_wait({"requester_type": rtype, "holder_resident_id": "R"})
    assert (wait is None) is same_day
    if not same_day:
        assert wait.outcome is Outcome.WAIT and wait.data["mail_to"] == "R"
        assert cards.agent_wait({"requester_type": rtype, "inquiry_form_returned": True}).allowed


@pytest.mark.parametrize("birth,ward,secrets,outcome", [
    ("2012-11-26", False, ["sign"], Outcome.REFUSE),     # 14 years old
    ("2011-11-25", False, ["sign"], Outcome.ALLOW),      # 15 today
    ("1980-01-01", True, ["sign"], Outcome.REFUSE),      # adult ward
    ("2012-11-26", False, ["auth"], Outcome.ALLOW),
    ("1980-01-01", False, ["sign", "auth"], Outcome.ALLOW),
])
def test_signing_password_not_for_under_15_or_ward(birth, ward, secrets, outcome):
    values = {"requester_type": "self", "secrets": secrets, "holder_birth_date": birth, "holder_adult_ward": ward,
              "card_status": "active"}
    assert decide(cards.pin_requester_stage, values).outcome is outcome


def test_sign_among_others_blocks_instead_of_refusing():
    values = {"secrets": ["sign", "auth"], "holder_birth_date": "2015-01-01"}
    assert [r.code for r in cards.pin_requester_check(values, TODAY)] == ["pin.sign_remove"]


@pytest.mark.parametrize("status,code", [("suspended", "pin.card_suspended"), ("revoked", "pin.card_revoked")])
def test_pin_reset_card_status(status, code):
    values = {"requester_type": "self", "secrets": ["auth"], "holder_birth_date": "1980-01-01", "card_status": status}
    assert decide(cards.pin_requester_stage, values).reasons[0].code == code


@pytest.mark.parametrize("resident,status,outcome,code", [
    (False, "suspended", Outcome.REDIRECT, "suspension.not_resident"),
    (True, "revoked", Outcome.REFUSE, "suspension.revoked"),
    (True, "active", Outcome.REFUSE, "suspension.not_suspended"),
    (True, "suspended", Outcome.ALLOW, "suspension.lift_here"),
])
def test_suspension_holder_rows(resident, status, outcome, code):
    values = {"requester_type": "self", "holder_is_resident": resident, "card_status": status}
    decision = decide(cards.suspension_record_stage, values)
    assert decision.outcome is outcome and decision.reasons[0].code == code


@pytest.mark.parametrize("handling", ["held", "revoked"])
def test_certificate_handling_setting(handling):
    decision = decide(cards.suspension_done_stage, {}, settings={"suspension.certificate_handling": handling})
    assert decision.data["certificate_handling"] == handling
    assert decision.reasons[1].source.startswith("setting: suspension.certificate_handling")


def test_reissue_fee_from_settings():
    d = decide(cards.suspension_record_stage, {"holder_is_resident": True, "card_status": "revoked"})
    assert d.data["reissue_fee"] == 1000 and "1,000円" in d.reasons[0].ja and "800" in d.reasons[0].ja


# -- scope, person by person ------------------------------------------------------------------------

P = lambda i, **kw: {"id": i, "name": i, "status": "active", "household_id": "H1", **kw}  # noqa: E731


@pytest.mark.parametrize("rtype,persons,requester,codes", [
    ("self", [P("a")], P("a"), []),
    ("self", [P("b")], P("a"), ["copy.scope.self_not_in_scope"]),
    ("same_household", [P("a"), P("b")], P("a"), []),
    ("same_household", [P("b", household_id="H2")], P("a"), ["copy.scope.not_same_household"]),
    ("same_household", [P("b", status="removed", removal_date="2025-01-01")], P("a"),
     ["copy.scope.removed_needs_removed_record", "copy.scope.not_same_household"]),
    ("self", [P("a", status="removed", removal_date="2025-01-01")], P("a", status="removed"),
     ["copy.scope.removed_needs_removed_record"]),
    ("third_party", [P("b")], {}, []),
])
def test_scope_problems(rtype, persons, requester, codes):
    values = {"document": "juminhyo", "requester_type": rtype, "persons_facts": persons,
              "requester_facts": requester}
    assert [r.code for r in copies.scope_problems(values, Settings(), TODAY)] == codes


@pytest.mark.parametrize("removal_date,expired", [
    ("2009-01-01", True),          # before the cut-over, 5 years kept: gone
    ("2014-06-19", True),
    ("2014-06-20", False),         # after the cut-over: 150 years
    ("2022-01-01", False),
])
def test_removed_record_retention(removal_date, expired):
    values = {"document": "juminhyo_removed", "requester_type": "third_party",
              "persons_facts": [P("x", status="removed", removal_date=removal_date)]}
    codes = [r.code for r in copies.scope_problems(values, Settings(), TODAY)]
    assert ("copy.scope.retention_expired" in codes) is expired


def test_current_record_cannot_be_a_removed_copy():
    values = {"document": "fuhyo_removed", "requester_type": "third_party", "persons_facts": [P("x")]}
    assert [r.code for r in copies.scope_problems(values, Settings(), TODAY)] == ["copy.scope.not_removed"]


# -- settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SETTINGS, ids=lambda s: s.key)
def test_every_setting_has_default_source_and_validation(spec):
    assert Settings()[spec.key] == spec.default and spec.source and spec.ja and spec.en
    with pytest.raises(SettingError, match=spec.key):
        Settings({spec.key: object()})


def test_unknown_setting_named():
    with pytest.raises(SettingError, match="no.such"):
        Settings({"no.such": 1})
    with pytest.raises(SettingError, match="held"):
        Settings({"suspension.certificate_handling": "lost"})


# -- professions, application statuses ------------------------------------------------------------

PROFESSIONS_EXPECTED = {
    "lawyer": "弁護士", "judicial_scrivener": "司法書士", "land_house_investigator": "土地家屋調査士",
    "tax_accountant": "税理士", "labour_social_security_attorney": "社会保険労務士", "patent_attorney": "弁理士",
    "maritime_procedure_agent": "海事代理士", "administrative_scrivener": "行政書士",
}


@pytest.mark.parametrize("code,ja", sorted(PROFESSIONS_EXPECTED.items()))
def test_every_profession_can_request_basic_items_on_duty(code, ja):
    from app.workflows.explain import explain

    assert tables.PROFESSIONS[code][0] == ja
    request = {"document": "juminhyo", "requester_type": "professional", "profession": code,
               "requester_family_name": "士業", "requester_given_name": "一郎", "requester_family_kana": "シギョウ",
               "requester_given_kana": "イチロウ", "requester_birth_date": "1970-01-01",
               "requester_address": "研修市本町1番地", "client_family_name": "依頼", "client_given_name": "花子",
               "target_resident_ids": ["R"],
               "scope": "person", "purpose": "public_submission", "purpose_detail": "登記申請",
               "channel": "counter", "delivery": "hand_over", "identity_documents": ["official_photo_licence"]}
    facts = {"persons_facts": [{"id": "R", "status": "active", "household_id": "H"}]}
    assert explain({"case_type": "copy_issuance", "request": request, "facts": facts})["outcome"] == "allow"
    refused = explain({"case_type": "copy_issuance", "request": {**request, "items": ["resident_code"]},
                       "facts": facts})
    assert refused["outcome"] == "refuse"
    assert refused["reasons"][0]["code"] == "copy.item.not_for_requester.resident_code"


@pytest.mark.parametrize("status", sorted(inquiry.APPLICATION_STATUS))
def test_every_application_status_is_told_in_words(store, status):
    from tests.workflows.helpers import add_application, add_household, add_resident

    rid = add_resident(store, add_household(store))
    add_application(store, rid, "5" * 23, status=status)
    found = inquiry.find_by_application_id(store, "5" * 23)
    assert [(a["status"], a["status_ja"], a["status_en"]) for a in found] == [
        (status, *inquiry.APPLICATION_STATUS[status])]
    assert inquiry.find_by_four_items(store, family_name="研修", given_name="花子", address="研修市中央一丁目1番1号",
                                      birth_date="1980-04-01", sex=2) == found
