"""Where a PIN can be reset (issue 17 §4): the PIN-reset case names, per chosen PIN, whether the
holder could also reset it outside the counter (municipality setting pin_reset.outside_counter,
its source dated), in both channels; the case always goes on here — the triage never refuses."""

from __future__ import annotations

import pytest

from app.rules.cards import pin_triage
from app.rules.settings import SettingError, Settings
from app.workflows.explain import explain


def _where(secrets, settings=None, locked=()):
    triage = pin_triage({"secrets": secrets, "locked_pins": list(locked)}, Settings(settings or {}))
    return {code: where for code, (where, _reason) in triage.items()}, triage


def test_default_certificate_pins_also_outside_the_others_only_here():
    where, triage = _where(["sign", "juki", "input"])
    assert where == {"sign": "outside", "juki": "here", "input": "here"}
    reason = triage["sign"][1]
    assert "setting: pin_reset.outside_counter" in reason.source and "2024-08-07" in reason.source
    assert "利用者証明用" in reason.ja and "本日この窓口で再設定することもできます" in reason.requester.ja
    assert reason.requester.basis and triage["juki"][1].requester.ja != triage["juki"][1].ja


def test_outside_needs_the_other_certificate_pin():
    where, _ = _where(["sign", "auth"])                  # both forgotten: only a counter can help
    assert where == {"sign": "here_other", "auth": "here_other"}
    where, _ = _where(["auth"], locked=["sign"])          # the signing one is locked as well
    assert where == {"auth": "here_other"}


def test_the_municipality_setting_decides_and_is_typed():
    where, _ = _where(["sign", "auth"], {"pin_reset.outside_counter": []})
    assert where == {"sign": "here", "auth": "here"}
    for bad in (["sign", "sign"], ["pin"], "sign"):
        with pytest.raises(SettingError):
            Settings({"pin_reset.outside_counter": bad})


def test_the_case_goes_on_here_whatever_the_triage_says():
    out = explain({"case_type": "pin_reset", "today": "2026-11-25", "request": {
        "requester_type": "self", "holder_resident_id": "R", "secrets": ["sign"], "identity_documents": ["my_number_card"],
        "retry_counters": {"sign": 5}, "new_pin_set": ["sign"]},
        "facts": {"holder_birth_date": "1985-06-15", "card_status": "active", "locked_pins": ["sign"]}})
    assert out["outcome"] == "allow" and out["completed"]
    identity = next(s for s in out["steps"] if s["step"] == "identity")
    assert identity["outcome"] == "allow" and "pin.triage.outside.sign" in [r["code"] for r in identity["reasons"]]
