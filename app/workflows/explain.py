"""``madoguchi rules explain``: run a request written as JSON through the same case type, the same
step checks, the same routes and the same decision pipeline the screens use, without writing a
case. Supervisors use it to train clerks and to check what a municipality's settings change.

The request's schema is documented in docs/rules-json.md. Checklist items count as confirmed
unless listed in ``unchecked``. Facts the store would supply (the holder's card status, the
persons in scope...) are looked up when a store is given, or stated in ``facts``. Errors name the
field (``request.items[1]``, ``settings.fees.reissue_card``...). Opens no case; with a store,
the restriction stage still audits every look-up of a protected person, as it must.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from app.errors import MadoguchiError
from app.rules.core import Outcome, requester_channel
from app.rules.settings import SETTINGS, SettingError, Settings
from app.workflows.engine import CaseTypeDef, FieldError, RouteContext, step_blocking, visible_values
from app.workflows.registry import CASE_TYPES

TOP_LEVEL = {"case_type", "request", "facts", "unchecked", "settings", "today", "expect", "title", "note"}


class RequestError(MadoguchiError, ValueError):
    """The JSON request is not valid; the message names the field."""

    code = "explain.request"


def _fail(path: str, ja: str, en: str):
    raise RequestError(f"{path}: {ja} / {en}")


def load_request(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(f"JSON として読めません（{exc.lineno}行 {exc.colno}列: {exc.msg}） / "
                           f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise RequestError("JSON の入れ子が深すぎます / the JSON is nested too deeply") from None
    except ValueError:              # a number of thousands of digits (Python's conversion limit)
        raise RequestError("JSON の数値が長すぎます / a JSON number has too many digits") from None
    if not isinstance(data, dict):
        _fail("(top level)", "JSON オブジェクトが必要です", "must be a JSON object")
    return data


def _case_type(data: dict) -> CaseTypeDef:
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        _fail(unknown[0], "不明な項目です（" + ", ".join(sorted(TOP_LEVEL)) + "）",
              "unknown key; allowed: " + ", ".join(sorted(TOP_LEVEL)))
    code = data.get("case_type")
    if code is None:
        _fail("case_type", "必須です", "is required")
    if code not in CASE_TYPES:
        _fail("case_type", "次のいずれかです: " + ", ".join(CASE_TYPES), "must be one of " + ", ".join(CASE_TYPES))
    return CASE_TYPES[code]


def parse_request(data: dict) -> tuple[CaseTypeDef, dict, dict, set, Settings, str]:
    """Validate the whole request; return (case type, values, facts, unchecked items, settings,
    today)."""
    ctype = _case_type(data)
    request = data.get("request", {})
    if not isinstance(request, dict):
        _fail("request", "JSON オブジェクトが必要です", "must be a JSON object")
    fields = {f.id: f for s in ctype.steps for f in s.fields}
    values: dict[str, Any] = {}
    for key, value in request.items():
        spec = fields.get(key)
        if spec is None:
            _fail(f"request.{key}", f"{ctype.id} にこの入力項目はありません（{', '.join(fields)}）",
                  f"{ctype.id} has no such field; fields: {', '.join(fields)}")
        try:
            values[key] = spec.parse(value)
        except FieldError as exc:
            raise RequestError(f"request.{exc.ja} / {exc.en.split(': ', 1)[-1]}") from None
    facts = data.get("facts", {})
    if not isinstance(facts, dict):
        _fail("facts", "JSON オブジェクトが必要です", "must be a JSON object")
    for key, value in facts.items():
        if key not in ctype.facts:
            _fail(f"facts.{key}", f"{ctype.id} の事実項目ではありません（{', '.join(ctype.facts)}）",
                  f"not a fact of {ctype.id}; facts: {', '.join(ctype.facts)}")
        _check_fact(key, value)
    items = {i.id for s in ctype.steps for i in s.items}
    unchecked = data.get("unchecked", [])
    if not isinstance(unchecked, list):
        _fail("unchecked", "確認項目IDの一覧が必要です", "must be a list of checklist item ids")
    for n, item in enumerate(unchecked):
        if item not in items:
            _fail(f"unchecked[{n}]", f"この確認項目はありません（{', '.join(sorted(items))}）",
                  f"no such checklist item; items: {', '.join(sorted(items))}")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        _fail("settings", "JSON オブジェクトが必要です", "must be a JSON object")
    try:
        settings_obj = Settings(settings)
    except SettingError as exc:
        raise RequestError(str(exc)) from None
    today = data.get("today") or _dt.date.today().isoformat()
    try:
        today = _dt.date.fromisoformat(today).isoformat()
    except (TypeError, ValueError):
        _fail("today", "日付は YYYY-MM-DD です", "a date is YYYY-MM-DD")
    return ctype, values, dict(facts), set(unchecked), settings_obj, today


_PERSON_KEYS = {"id", "name", "status", "removal_reason", "removal_date", "household_id"}


def _check_fact(key: str, value: Any) -> None:
    if key == "persons_facts":
        if not isinstance(value, list):
            _fail("facts.persons_facts", "人の一覧が必要です", "must be a list of persons")
        for n, person in enumerate(value):
            _check_person(f"facts.persons_facts[{n}]", person)
    elif key in ("requester_facts", "principal_facts"):
        _check_person(f"facts.{key}", value)
    elif key in ("holder_found", "holder_is_resident") and not isinstance(value, bool):
        _fail(f"facts.{key}", "true / false です", "must be true or false")
    elif key == "card_status" and value not in ("active", "suspended", "revoked"):
        _fail("facts.card_status", "active / suspended / revoked のいずれかです",
              "must be active, suspended or revoked")
    elif key == "holder_birth_date":
        try:
            _dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            _fail("facts.holder_birth_date", "日付は YYYY-MM-DD です", "a date is YYYY-MM-DD")


def _check_person(path: str, person: Any) -> None:
    if not isinstance(person, dict):
        _fail(path, "JSON オブジェクトが必要です", "must be a JSON object")
    extra = sorted(set(person) - _PERSON_KEYS)
    if extra:
        _fail(f"{path}.{extra[0]}", "不明な項目です（" + ", ".join(sorted(_PERSON_KEYS)) + "）",
              "unknown key; allowed: " + ", ".join(sorted(_PERSON_KEYS)))
    if not isinstance(person.get("id"), str) or not person.get("id"):
        _fail(f"{path}.id", "必須です", "is required")
    if person.get("status", "active") not in ("active", "removed"):
        _fail(f"{path}.status", "active / removed のいずれかです", "must be active or removed")
    if person.get("removal_date") is not None:
        try:
            _dt.date.fromisoformat(person["removal_date"])
        except (TypeError, ValueError):
            _fail(f"{path}.removal_date", "日付は YYYY-MM-DD です", "a date is YYYY-MM-DD")


def explain(data: dict, store=None) -> dict:
    """Walk the request through its case type's steps as the engine would; stop where a decision
    ends, pauses, restricts or completes the case, or where a step would keep Next disabled."""
    ctype, values, facts, unchecked, settings, today = parse_request(data)
    if store is not None:
        settings = Settings.from_store(store, data.get("settings", {}))
    step = ctype.step(ctype.first_step)
    steps: list[dict] = []
    visited: set[str] = set()
    result: dict = {}
    while True:
        visited.add(step.id)
        ctx = RouteContext(case_type=ctype, values={**facts, **visible_values(ctype, values)}, settings=settings,
                           store=store, case_id="explain", staff_id="explain", terminal_id="explain",
                           step=step.id, today=today)
        blocking = step_blocking(step, values, lambda item: item not in unchecked, lambda: ctx)
        if blocking:
            steps.append({"step": step.id, "outcome": "blocked", "reasons": [r.as_dict() for r in blocking]})
            result = {"outcome": "blocked", "completed": False, "stopped_at": step.id,
                      "reasons": [r.as_dict() for r in blocking],
                      "requester": [t.as_dict() for t in requester_channel(blocking)], "data": {}}
            break
        route = step.route(ctx)
        decision = route.decision
        steps.append({"step": step.id, **decision.as_dict(), **({"to": route.to} if route.to else {})})
        if decision.outcome is Outcome.ALLOW and route.to:
            if route.to in visited:
                raise RequestError(f"{step.id}: 手順が循環しています / the steps loop")
            step = ctype.step(route.to)
            continue
        result = {"outcome": decision.outcome.value,
                  "completed": decision.outcome is Outcome.ALLOW, "stopped_at": step.id,
                  "reasons": [r.as_dict() for r in decision.reasons],
                  "requester": [t.as_dict() for t in decision.requester_texts()], "data": decision.data}
        if decision.outcome is Outcome.WAIT:
            result["resumes_at"] = route.to
        break
    changed = {s.key: settings[s.key] for s in SETTINGS if settings[s.key] != s.default}
    out = {
        "case_type": ctype.id, **result, "today": today, "steps": steps,
        "restriction_check": "run" if store is not None else "not run: no store given (--store)",
        "settings_changed": changed,
    }
    if "expect" in data:
        out["expectation"] = check_expectation(data["expect"], out)
    return out


def check_expectation(expect: Any, out: dict) -> dict:
    """Compare with ``expect`` ({"outcome": ..., "codes": [...], "stopped_at": ...})."""
    if not isinstance(expect, dict):
        _fail("expect", "JSON オブジェクトが必要です", "must be a JSON object")
    problems = []
    if "outcome" in expect and expect["outcome"] != out["outcome"]:
        problems.append(f"outcome {out['outcome']} != expected {expect['outcome']}")
    if "stopped_at" in expect and expect["stopped_at"] != out["stopped_at"]:
        problems.append(f"stopped_at {out['stopped_at']} != expected {expect['stopped_at']}")
    codes = [r["code"] for r in out["reasons"]] + [r["code"] for s in out["steps"] for r in s.get("reasons", [])]
    for code in expect.get("codes", []):
        if code not in codes:
            problems.append(f"reason {code} missing")
    said = [t["ja"] for t in out.get("requester", [])]
    if "requester" in expect and expect["requester"] != said:
        problems.append(f"requester texts {said} != expected {expect['requester']}")
    return {"met": not problems, "problems": problems}


def as_text(out: dict, lang: str = "ja") -> str:
    """A readable account: the decision, each step, every reason with its source."""
    ctype = CASE_TYPES[out["case_type"]]
    label = {"allow": ("許可（完了）", "allowed (completed)"), "refuse": ("不可", "refused"),
             "redirect": ("不可（他の窓口へ案内）", "refused: go elsewhere"),
             "restrict": ("支援措置責任者の解除待ち", "restricted: awaiting release"),
             "wait": ("本日は完了できない（再来庁）", "waits for a return visit"),
             "blocked": ("進めない（確認・入力が不足）", "blocked (checks or values missing)")}
    i = 0 if lang == "ja" else 1
    lines = [f"{ctype.ja if i == 0 else ctype.en}: {label[out['outcome']][i]}"
             f" — {'手順' if i == 0 else 'step'} {out['stopped_at']}"]
    lines.append("  職員限り（読み上げ・印刷しない）:" if i == 0 else "  for staff only (never read aloud or printed):")
    for r in out["reasons"]:
        lines.append(f"  ● {r['ja'] if i == 0 else r['en']}")
        lines.append(f"    {'根拠' if i == 0 else 'source'}: {r['source']}")
    lines.append("  請求者に伝える内容（読み上げ・通知書）:" if i == 0 else "  for the requester (read aloud, printed):")
    for t in out.get("requester", []):
        lines.append(f"  ▶ {t['ja'] if i == 0 else t['en']}")
        lines.append(f"    {'根拠' if i == 0 else 'basis'}: {t['basis']}")
    if out.get("data"):
        lines.append("  data: " + json.dumps(out["data"], ensure_ascii=False, sort_keys=True))
    lines.append("steps:")
    for s in out["steps"]:
        lines.append(f"  {s['step']}: {s['outcome']}" + (f" → {s['to']}" if s.get("to") else ""))
        for r in s.get("reasons", []):
            lines.append(f"    - [{r['code']}] {r['ja'] if i == 0 else r['en']} ({r['source']})")
            said = (r.get("requester") or {}).get("ja" if i == 0 else "en")
            if said != (r['ja'] if i == 0 else r['en']):
                lines.append(f"      {'請求者へ' if i == 0 else 'say'}: {said or ('（伝えない）' if i == 0 else '(nothing)')}")
    lines.append(f"restriction check: {out['restriction_check']}")
    if out["settings_changed"]:
        lines.append("settings changed: " + json.dumps(out["settings_changed"], ensure_ascii=False))
    if "expectation" in out:
        e = out["expectation"]
        lines.append("expectation: " + ("met" if e["met"] else "NOT met: " + "; ".join(e["problems"])))
    return "\n".join(lines)
