"""``madoguchi rules explain``: every documented example gives its expected decision; every case
type and every row of the My-Number-copy delivery table has an example; bad input names the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.rules.tables import MY_NUMBER_DELIVERY
from app.workflows.explain import RequestError, explain, load_request
from app.workflows.registry import CASE_TYPES
from tests.workflows.helpers import add_application, add_household, add_resident

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_documented_example(path):
    data = load_request(path.read_text(encoding="utf-8"))
    out = explain(data)
    assert out["expectation"]["met"], out["expectation"]["problems"]
    assert out["reasons"] or out["outcome"] == "allow"
    assert all(r["source"] and r["ja"] and r["en"] for r in out["reasons"])


def test_examples_cover_every_case_type_and_delivery_row():
    data = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    assert {d["case_type"] for d in data} == set(CASE_TYPES)
    covered = set()
    for d in data:
        codes = [c for c in d["expect"].get("codes", []) if c.startswith("copy.delivery.my_number.")]
        covered |= {tuple(c.split(".")[3:5]) for c in codes}
    assert covered == set(MY_NUMBER_DELIVERY)
    # each example is listed in the documentation
    doc = (EXAMPLES[0].parent.parent / "rules-json.md").read_text(encoding="utf-8")
    assert all(p.name in doc for p in EXAMPLES)


def test_cli_text_and_json(cli):
    example = next(p for p in EXAMPLES if p.stem == "delivery-voluntary-agent-post-elsewhere-refused")
    result = cli("rules", "explain", str(example), "--text", "--check")
    assert result.returncode == 0, result.stderr
    assert "不可" in result.stdout and "平成30年11月27日" in result.stdout and "expectation: met" in result.stdout
    result = cli("rules", "explain", str(example))
    out = json.loads(result.stdout)
    assert out["outcome"] == "refuse" and out["stopped_at"] == "delivery"


def test_cli_check_fails_when_expectation_not_met(cli, tmp_path):
    data = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    data["expect"] = {"outcome": "refuse"}
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = cli("rules", "explain", str(path), "--check", "--text")
    assert result.returncode == 1 and "NOT met" in result.stdout


@pytest.mark.parametrize("text,field", [
    ('{"case_type": "pin_reset",', "JSON"),
    ('[1, 2]', "(top level)"),
    ('{"request": {}}', "case_type"),
    ('{"case_type": "tea"}', "case_type"),
    ('{"case_type": "pin_reset", "colour": 1}', "colour"),
    ('{"case_type": "pin_reset", "request": {"secrets": ["pin9"]}}', "request.secrets"),
    ('{"case_type": "pin_reset", "request": {"secret": ["auth"]}}', "request.secret"),
    ('{"case_type": "status_inquiry", "request": {"application_id": "123"}}', "request.application_id"),
    ('{"case_type": "status_inquiry", "request": {"birth_date": "1980-13-01"}}', "request.birth_date"),
    ('{"case_type": "copy_issuance", "facts": {"persons_facts": [{"name": "x"}]}}', "facts.persons_facts[0].id"),
    ('{"case_type": "copy_issuance", "facts": {"persons_facts": [{"id": "x", "status": "gone"}]}}',
     "facts.persons_facts[0].status"),
    ('{"case_type": "copy_issuance", "facts": {"card_status": "active"}}', "facts.card_status"),
    ('{"case_type": "pin_reset", "facts": {"card_status": "lost"}}', "facts.card_status"),
    ('{"case_type": "pin_reset", "settings": {"fees.reissue_card": "800"}}', "settings.fees.reissue_card"),
    ('{"case_type": "pin_reset", "unchecked": ["nope"]}', "unchecked[0]"),
    ('{"case_type": "pin_reset", "today": "yesterday"}', "today"),
])
def test_bad_request_names_the_field(text, field):
    with pytest.raises(RequestError) as err:
        explain(load_request(text))
    assert field in str(err.value)


def test_cli_bad_json_is_a_clear_message(cli, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"case_type": "copy_issuance", "request": {"items": "my_number"}}', encoding="utf-8")
    result = cli("rules", "explain", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "request.items" in result.stderr
    result = cli("rules", "explain", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "missing.json" in result.stderr


def test_unchecked_item_blocks():
    data = json.loads(next(p for p in EXAMPLES if p.stem == "copy-self-basic").read_text(encoding="utf-8"))
    data["unchecked"] = ["documents_match"]
    out = explain(data)
    assert out["outcome"] == "blocked" and out["stopped_at"] == "issue"


def test_explain_with_a_store_answers_the_status_inquiry(store, store_path, cli):
    rid = add_resident(store, add_household(store), birth="1980-04-01")
    add_application(store, rid, "4" * 23, status="ready")
    data = {"case_type": "status_inquiry", "request": {
        "method": "four_items", "family_name": "研修", "given_name": "花子", "address": "研修市中央一丁目1番1号",
        "birth_date": "1980-04-01", "sex": "2"}}
    out = explain(data, store)
    assert out["outcome"] == "allow" and out["restriction_check"] == "run"
    assert out["data"]["applications"][0]["status"] == "ready"
    path = store_path.parent / "q.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    store.close()
    result = cli("rules", "explain", str(path), "--store", str(store_path))
    assert json.loads(result.stdout)["data"]["applications"][0]["application_id"] == "4" * 23


def test_settings_listing(cli):
    result = cli("rules", "settings")
    rows = {r["key"]: r for r in json.loads(result.stdout)}
    assert rows["suspension.certificate_handling"]["default"] == "held"
    assert rows["my_number_copy.effective_date"]["value"] == "2018-11-27"


def test_every_field_item_and_fact_is_documented():
    doc = (EXAMPLES[0].parent.parent / "rules-json.md").read_text(encoding="utf-8")
    for ct in CASE_TYPES.values():
        names = [f.id for s in ct.steps for f in s.fields] + [i.id for s in ct.steps for i in s.items] + list(ct.facts)
        missing = [n for n in names if f"`{n}`" not in doc]
        assert not missing, (ct.id, missing)


def test_settings_changed_in_the_store_validated_and_audited(store, store_path, cli):
    store.close()
    result = cli("rules", "settings", "--store", str(store_path), "--set", "suspension.certificate_handling=revoked",
                 "--set", "fees.reissue_card=900")
    assert result.returncode == 0, result.stderr
    rows = {r["key"]: r for r in json.loads(result.stdout)}
    assert rows["suspension.certificate_handling"]["value"] == "revoked"
    assert rows["fees.reissue_card"]["value"] == 900
    bad = cli("rules", "settings", "--store", str(store_path), "--set", "fees.reissue_card=cheap",
              "--set", "suspension.certificate_handling=held")
    assert bad.returncode == 2 and "settings.fees.reissue_card" in bad.stderr
    from app.store import open_store

    s = open_store(store_path)
    try:
        assert s.setting("suspension.certificate_handling") == "revoked"      # nothing half-written
        audited = s.conn.execute("SELECT target_id, detail FROM audit_log WHERE action = 'setting.change' "
                                 "ORDER BY seq").fetchall()
        assert [a[0] for a in audited] == ["suspension.certificate_handling", "fees.reissue_card"]
        assert json.loads(audited[1][1]) == {"from": None, "to": 900}
    finally:
        s.close()
    assert cli("rules", "settings", "--set", "fees.reissue_card=900").returncode == 2
