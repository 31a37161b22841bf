"""The shape of every decision: an outcome plus reasons a clerk can read aloud, in Japanese and
English, each with the rule it comes from (law article, notice and date, or a setting).

A case's decision pipeline is an ordered list of stages. Each stage looks at a
:class:`RequestScope` (who asks, for whom, for what, delivered how) and returns a
:class:`Decision` that stops the pipeline, or ``None`` to let the next stage decide. The
DV-restriction stage (``app.security``) is one such stage and can block any case.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Callable, Iterable


class Outcome(str, Enum):
    ALLOW = "allow"          # go on
    REFUSE = "refuse"        # the case ends refused; the reason is read to the resident
    RESTRICT = "restrict"    # blocked until a support officer (not the handling clerk) releases
    WAIT = "wait"            # cannot finish today (e.g. inquiry form mailed to the holder)
    REDIRECT = "redirect"    # not done here; the reason says where to go


@dataclass(frozen=True)
class Reason:
    code: str        # stable identifier, e.g. "copy.my_number.third_party"
    ja: str          # what the clerk reads aloud, Japanese
    en: str          # the same in English
    source: str      # the rule: law article, notice and date, or "setting: <name>"

    def text(self, lang: str = "ja") -> str:
        return self.en if lang == "en" else self.ja

    def as_dict(self) -> dict:
        return {"code": self.code, "ja": self.ja, "en": self.en, "source": self.source}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    data: dict = field(default_factory=dict)   # e.g. allowed items, delivery options

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "reasons": [r.as_dict() for r in self.reasons],
            **({"data": self.data} if self.data else {}),
        }

    @classmethod
    def allow(cls, *reasons: Reason, **data) -> "Decision":
        return cls(Outcome.ALLOW, tuple(reasons), dict(data))

    @classmethod
    def refuse(cls, *reasons: Reason, **data) -> "Decision":
        return cls(Outcome.REFUSE, tuple(reasons), dict(data))


@dataclass(frozen=True)
class Person:
    """Particulars of a person as stated on a request or read from an ID (not a store row)."""

    family_name: str = ""
    given_name: str = ""
    family_kana: str = ""
    given_kana: str = ""
    birth_date: str = ""     # ISO
    sex: int | None = None   # 1, 2, 9
    address: str = ""


@dataclass(frozen=True)
class RequestScope:
    """Everything a rule stage may need to know about a request, as it stands now.

    ``persons`` are store resident ids in scope (every target, every household member in scope,
    removed records included); ``mail_to`` are resident ids whose registered address a mailing or
    notice goes to; ``documents`` are document-type codes.
    """

    case_id: str
    case_type: str
    handling_staff_id: str
    persons: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    mail_to: tuple[str, ...] = ()
    requester_type: str = ""                 # e.g. "self", "same_household", "professional", ...
    requester: Person = Person()
    requester_resident_id: str | None = None
    professional_client: Person | None = None  # for 特定事務受任者: the client they act for
    purpose: str = ""                        # e.g. "court_submission", "own_right", ...
    identity: tuple[str, ...] = ()           # identity document codes shown
    oral_questions_ok: bool = False
    extra: dict = field(default_factory=dict)


Stage = Callable[[RequestScope], "Decision | None"]


#: fields of a scope that say *what* is asked and for whom; the digest covers exactly these.
#: ``case_id`` and ``handling_staff_id`` are included: a release is for this request of this case.
def scope_to_dict(scope: RequestScope) -> dict:
    """The scope as plain JSON data, with order-insensitive tuples sorted (persons, documents,
    mail_to, identity), so that the same request always gives the same dict."""
    data = asdict(scope)
    for key in ("persons", "documents", "mail_to", "identity"):
        data[key] = sorted(set(data[key]))
    return data


def scope_from_dict(data: dict) -> RequestScope:
    """The scope back from :func:`scope_to_dict` (e.g. from a case's gate event), so that a
    support officer releases exactly the request the clerk's case stopped on."""
    data = dict(data)
    for key in ("persons", "documents", "mail_to", "identity"):
        data[key] = tuple(data.get(key) or ())
    data["requester"] = Person(**(data.get("requester") or {}))
    if data.get("professional_client") is not None:
        data["professional_client"] = Person(**data["professional_client"])
    return RequestScope(**data)


def scope_digest(scope: RequestScope) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`scope_to_dict`.

    A support officer's release is bound to this digest: changing anything in the request after a
    release (another person, another document, another mailing address, another purpose) gives a
    different digest, so the release no longer matches and the case stops again.
    """
    canonical = json.dumps(
        scope_to_dict(scope), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def run_pipeline(stages: Iterable[Stage], scope: RequestScope) -> Decision:
    """Run stages in order; the first that returns a decision other than ALLOW stops the run.
    ALLOW decisions' reasons and data are accumulated into the final ALLOW."""
    reasons: list[Reason] = []
    data: dict = {}
    for stage in stages:
        decision = stage(scope)
        if decision is None:
            continue
        if decision.outcome is not Outcome.ALLOW:
            return decision
        reasons.extend(decision.reasons)
        data.update(decision.data)
    return Decision(Outcome.ALLOW, tuple(reasons), data)

