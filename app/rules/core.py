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

from app.rules.basis import requester_basis


class Outcome(str, Enum):
    ALLOW = "allow"          # go on
    REFUSE = "refuse"        # the case ends refused; the reason is read to the resident
    RESTRICT = "restrict"    # blocked until a support officer (not the handling clerk) releases
    WAIT = "wait"            # cannot finish today (e.g. inquiry form mailed to the holder)
    REDIRECT = "redirect"    # not done here; the reason says where to go


@dataclass(frozen=True)
class RequesterText:
    """The requester channel of a reason: neutral words plus the legal basis — what may be read
    aloud, shown or printed to the requester. Never names a measure, a perpetrator, an officer,
    or whether a person exists, lives here, moved, or where."""

    ja: str
    en: str
    basis: str       # the legal basis as the requester may be told it

    def text(self, lang: str = "ja") -> str:
        return self.en if lang == "en" else self.ja

    def as_dict(self) -> dict:
        return {"ja": self.ja, "en": self.en, "basis": self.basis}


@dataclass(frozen=True)
class Reason:
    """One reason in two channels.

    ``ja``/``en``/``source`` are the **staff text**: the full reason and its source, for staff
    eyes only (screens mark it "for you only"). ``requester`` is the **requester text**
    (:class:`RequesterText`): what may be read aloud, shown or printed. A reason built without
    ``said`` is one whose staff words are neutral already (identity documents, delivery rules):
    its requester text is its staff text. Every reason that depends on a protected person, a
    support measure or a person's record facts carries its own neutral ``said``.
    """

    code: str        # stable identifier, e.g. "copy.my_number.third_party"
    ja: str          # staff text, Japanese (full reason)
    en: str          # staff text, English
    source: str      # the rule: law article, notice and date, or "setting: <name>"
    said: RequesterText | None = None   # requester text; None: the staff text is already neutral

    @property
    def requester(self) -> RequesterText:
        """The requester channel (always present)."""
        return self.said or RequesterText(self.ja, self.en, requester_basis(self.source))

    def text(self, lang: str = "ja") -> str:
        """The staff text (never hand this to anything a requester hears, reads or receives)."""
        return self.en if lang == "en" else self.ja

    def requester_text(self, lang: str = "ja") -> str:
        return self.requester.text(lang)

    def as_dict(self) -> dict:
        return {"code": self.code, "ja": self.ja, "en": self.en, "source": self.source,
                "requester": self.requester.as_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> "Reason":
        """From :meth:`as_dict` (e.g. a decision stored in a case event). A stored reason without
        a requester channel (written before the channels were split) gets the neutral
        :data:`LEGACY_REQUESTER` text, never its staff text."""
        said = data.get("requester")
        return cls(data.get("code", ""), data.get("ja", ""), data.get("en", ""), data.get("source", ""),
                   RequesterText(said["ja"], said["en"], said.get("basis", "")) if said else LEGACY_REQUESTER)


#: the requester text of a stored reason that predates the two channels (nothing to leak)
LEGACY_REQUESTER = RequesterText(
    "お申出の手続は、このままではお受けできません。詳しくは窓口の職員にお尋ねください。",
    "The request cannot be taken as it stands. Please ask the staff at the counter.",
    "住民基本台帳法第12条・第12条の3・第20条")


def requester_channel(reasons) -> list[RequesterText]:
    """The requester channel of a list of reasons (:class:`Reason` or their dicts), in order,
    each distinct text once: several staff reasons that share one neutral sentence are said once,
    so the number of sentences tells nothing either. Staff-only reasons (an empty requester text)
    are left out."""
    out: dict[tuple[str, str, str], RequesterText] = {}
    for r in reasons or ():
        said = (r if isinstance(r, Reason) else Reason.from_dict(r)).requester
        if not (said.ja or said.en):        # a staff-only reason: nothing is said
            continue
        out.setdefault((said.ja, said.en, said.basis), said)
    return list(out.values())


@dataclass(frozen=True)
class Decision:
    """An outcome with its reasons (each in both channels) and data.

    Staff channel: ``reasons`` (``Reason.ja/en/source``). Requester channel:
    :meth:`requester_texts` (deduplicated :class:`RequesterText`). ``as_dict()`` carries both:
    ``reasons`` (each with its ``requester``) and ``requester`` (the deduplicated list).
    ``data`` is for staff and the program (never printed for the requester as it is)."""

    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    data: dict = field(default_factory=dict)   # e.g. allowed items, delivery options

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def requester_texts(self) -> list[RequesterText]:
        return requester_channel(self.reasons)

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "reasons": [r.as_dict() for r in self.reasons],
            "requester": [t.as_dict() for t in self.requester_texts()],
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

