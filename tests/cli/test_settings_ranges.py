"""Every municipality setting has a type and a range, checked when it is set: a negative fee or a
date that is not a date is refused with a message, and nothing is written (issue 12 §3)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.rules.settings import DATE, SETTINGS, SettingError, Settings, validate


@pytest.mark.parametrize("assignment, words", [
    ("fees.reissue_card=-5", "0 to 100000"),
    ("fees.reissue_certificate=-1", "0 to 100000"),
    ("fees.reissue_card=1.5", "whole number"),
    ("fees.reissue_card=true", "whole number"),
    ("removed_records.cutover_date=maybe", "YYYY-MM-DD"),
    ("my_number_copy.effective_date=maybe", "YYYY-MM-DD"),
    ("my_number_copy.effective_date=2026-02-30", "real day"),
    ("my_number_copy.effective_date=20260101", "YYYY-MM-DD"),
    ("my_number_copy.effective_date=1999-01-01", "2015-10-05"),
    ("removed_records.retention_years=0", "5 to 150"),
    ("identity.oral_question_topics=[]", "list of 1 to 10"),
    ("identity.oral_question_topics=[1, 2]", "list of 1 to 10"),
    ('municipality.name=" "', "text of 1 to 60"),
    ("status_inquiry.by_application_id=1", "true or false"),
    ("suspension.certificate_handling=lost", "held, revoked"),
])
def test_a_value_out_of_type_or_range_is_refused_and_nothing_is_written(madoguchi, demo_store, assignment, words):
    def state():
        conn = sqlite3.connect(demo_store)
        try:
            return (conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall(),
                    conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
        finally:
            conn.close()

    before = state()
    run = madoguchi(["rules", "settings", "--store", str(demo_store), "--set", assignment])
    assert run.clean and run.status == 2 and words in run.err and "settings." in run.err, run.err
    assert state() == before


def test_values_in_range_are_accepted_and_listed_with_their_range(madoguchi, demo_store):
    run = madoguchi(["rules", "settings", "--store", str(demo_store), "--set", "fees.reissue_card=0",
                     "--set", "removed_records.cutover_date=2019-06-20"])
    assert run.status == 0, run.err
    rows = {r["key"]: r for r in json.loads(run.out)}
    assert rows["fees.reissue_card"]["value"] == 0 and rows["removed_records.cutover_date"]["value"] == "2019-06-20"
    assert rows["fees.reissue_card"]["range"] == "a whole number from 0 to 100000"


def test_every_setting_has_a_range_and_its_default_lies_in_it():
    for spec in SETTINGS:
        assert validate(spec.key, spec.default) == spec.default
        if spec.kind in (int, DATE):
            assert spec.minimum is not None and spec.maximum is not None, spec.key
    assert Settings()["fees.reissue_card"] == 800


def test_a_bad_value_written_behind_the_programs_back_is_a_message_in_rules_explain(madoguchi, demo_store):
    conn = sqlite3.connect(demo_store)
    conn.execute("INSERT INTO settings(key, value) VALUES ('removed_records.cutover_date', '\"maybe\"') "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    conn.commit()
    conn.close()
    request = json.dumps({"case_type": "status_inquiry", "request": {"method": "application_id",
                                                                     "application_id": "1" * 23}})
    run = madoguchi(["rules", "explain", "-", "--store", str(demo_store)], stdin=request)
    assert run.clean and run.status == 2 and "removed_records.cutover_date" in run.err, run.err
    with pytest.raises(SettingError):
        Settings({"my_number_copy.effective_date": "maybe"})
