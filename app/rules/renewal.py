"""Rules of the certificate renewal (電子証明書の更新) at the counter.

- The renewal window opens three months before a certificate's expiry; an expired certificate is
  issued anew the same way (``tables.SRC_RENEWAL_WINDOW``, ``SRC_RENEWAL_EXPIRED``).
- A holder under 15 or an adult ward gets no signing certificate: its renewal is not offered
  (``tables.SRC_SIGN_NOT_OFFERED``).
- A certificate never runs past the card: when the card itself expires on or before the
  certificate, renewing the certificate alone gains nothing and the card is renewed instead
  (``tables.SRC_RENEWAL_CARD_FIRST``).
- The renewal is free (``tables.SRC_RENEWAL_FEE``).
- After the renewal the card is read again: every renewed certificate must be a new one that runs
  longer than the old one.

The certificates' validity comes from the card (the desk hands in what the reader read: a JSON
object ``{"auth": {"not_after": "YYYY-MM-DD", "serial": ...}, "sign": {...}}``; a signing
certificate present but not read has ``{"present": true}``); the card's own expiry is a fact of
the holder's card record. Every reason has a staff text and a requester text. Pure functions.
"""

from __future__ import annotations

import datetime as _dt

from app.rules.cards import agent_wait, no_signing_certificate, requester_reasons
from app.rules.core import Decision, Reason, RequesterText
from app.rules.identity import identity_basis, identity_problems
from app.rules.tables import (
    SRC_RENEWAL_AGENT, SRC_RENEWAL_BASIS, SRC_RENEWAL_CARD_FIRST, SRC_RENEWAL_EXPIRED, SRC_RENEWAL_FEE,
    SRC_RENEWAL_VALIDITY, SRC_RENEWAL_WINDOW, SRC_SIGN_NOT_OFFERED, SRC_SUSPENSION_LIFT, SRC_REVOKED,
)

#: the window opens this many months before the expiry (J-LIS; tables.SRC_RENEWAL_WINDOW)
WINDOW_MONTHS = 3
#: the card panel warns when a certificate expires within the window
WARN_DAYS = 92

#: the certificates of the card, in the order a clerk reads them out
CERTIFICATES = {
    "sign": ("署名用電子証明書", "signing certificate"),
    "auth": ("利用者証明用電子証明書", "user-authentication certificate"),
}

#: a case's json fields that hold the certificates read from the card (before / after a renewal)
CERTIFICATE_FIELDS = ("certificates", "certificates_after")


def _said(ja: str, en: str) -> RequesterText:
    return RequesterText(ja, en, SRC_RENEWAL_BASIS)


def months_before(day: _dt.date, months: int) -> _dt.date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in (day.day, 30, 29, 28):
        try:
            return _dt.date(y, m, d)
        except ValueError:
            continue
    raise AssertionError(day)


def window_opens(expiry: str) -> str:
    """The first day the certificate that expires on ``expiry`` may be renewed."""
    return months_before(_dt.date.fromisoformat(expiry), WINDOW_MONTHS).isoformat()


def days_left(expiry: str, today: str) -> int:
    return (_dt.date.fromisoformat(expiry) - _dt.date.fromisoformat(today)).days


def expiry_of(values: dict, which: str, field: str = "certificates") -> str | None:
    return ((values.get(field) or {}).get(which) or {}).get("not_after")


def renewable(expiry: str | None, today: str) -> bool:
    """Within the window, or expired (issued anew): what the card panel offers "renew" for."""
    return bool(expiry) and today >= window_opens(expiry)


# -- reasons -----------------------------------------------------------------------------------

def _name(which: str) -> tuple[str, str]:
    return CERTIFICATES[which]


def before_window(which: str, expiry: str, today: str) -> Reason:
    ja, en = _name(which)
    opens, left = window_opens(expiry), days_left(expiry, today)
    return Reason(
        f"renewal.before_window.{which}",
        f"{ja}の有効期限は {expiry}（残り {left} 日）です。更新は有効期限の{WINDOW_MONTHS}か月前（{opens}）から"
        "受け付けます。今日は更新できません。",
        f"The {en} expires on {expiry} ({left} days left). Renewal opens {WINDOW_MONTHS} months before, on "
        f"{opens}: it cannot be renewed today.", SRC_RENEWAL_WINDOW,
        _said(f"{ja}の更新は、有効期限の{WINDOW_MONTHS}か月前（{opens}）からお受けできます。",
              f"The {en} can be renewed from {opens}, {WINDOW_MONTHS} months before it expires."))


def within_window(which: str, expiry: str, today: str) -> Reason:
    ja, en = _name(which)
    left = days_left(expiry, today)
    return Reason(
        f"renewal.within_window.{which}",
        f"{ja}の有効期限は {expiry}（残り {left} 日）。{WINDOW_MONTHS}か月前（{window_opens(expiry)}）から"
        "の更新期間内です。",
        f"The {en} expires on {expiry} ({left} days left): within the renewal window that opened on "
        f"{window_opens(expiry)}.", SRC_RENEWAL_WINDOW,
        _said(f"{ja}を更新します（現在の有効期限 {expiry}）。",
              f"The {en} will be renewed (it expires on {expiry})."))


def expired(which: str, expiry: str, today: str) -> Reason:
    ja, en = _name(which)
    return Reason(
        f"renewal.expired.{which}",
        f"{ja}は {expiry} に有効期限が切れています（{-days_left(expiry, today)} 日前）。新しい電子証明書を発行します"
        "（有効期限後でも発行できます）。",
        f"The {en} expired on {expiry} ({-days_left(expiry, today)} days ago): a new one is issued (possible "
        "after the expiry too).", SRC_RENEWAL_EXPIRED,
        _said(f"{ja}の有効期限が切れているため、新しい電子証明書を発行します。",
              f"The {en} has expired: a new one will be issued."))


SIGN_NOT_OFFERED = Reason(
    "renewal.sign_not_offered",
    "15歳未満の方・成年被後見人の方には署名用電子証明書を発行しないため、署名用電子証明書の更新は行いません"
    "（利用者証明用電子証明書は更新できます）。",
    "Holders under 15 and adult wards get no signing certificate: it is not renewed (the "
    "user-authentication certificate can be).", SRC_SIGN_NOT_OFFERED,
    _said("15歳未満の方・成年被後見人の方には、署名用電子証明書は発行されません。",
          "A signing certificate is not issued to holders under 15 or adult wards."))
SIGN_REMOVE = Reason(
    "renewal.sign_remove",
    "署名用電子証明書を更新する証明書から外してください（15歳未満・成年被後見人の方は対象外）。",
    "Untick the signing certificate (not offered to holders under 15 or adult wards).", SRC_SIGN_NOT_OFFERED,
    SIGN_NOT_OFFERED.said)


def card_expires_first(card_expiry: str, today: str) -> Reason:
    gone = card_expiry < today
    return Reason(
        "renewal.card_expires_first",
        (f"カード本体の有効期限（{card_expiry}）が{'過ぎています' if gone else '電子証明書の有効期限と同じかそれより前です'}。"
         "電子証明書の有効期限はカードの有効期限を超えられないため、電子証明書だけを更新することはできません。"
         "カードの更新（新しいカードの交付申請）をご案内してください。新しいカードに電子証明書が搭載されます。"),
        (f"The card itself {'expired on' if gone else 'expires on or before the certificate, on'} {card_expiry}. "
         "A certificate cannot run past the card, so renewing the certificate alone is not possible: offer the "
         "card renewal (an application for a new card), which brings new certificates."),
        SRC_RENEWAL_CARD_FIRST,
        _said(f"マイナンバーカードの有効期限（{card_expiry}）のため、電子証明書だけの更新はできません。"
              "カードの更新の手続をご案内します（新しいカードに電子証明書が搭載されます）。",
              f"Because the card itself expires ({card_expiry}), the certificate alone cannot be renewed. The "
              "card renewal will be explained (the new card carries new certificates)."))


def card_status_reason(status: str) -> Reason:
    if status == "revoked":
        return Reason("renewal.card_revoked", "このカードは廃止されているため、電子証明書を発行できません。再交付をご案内します。",
                      "This card was revoked: no certificate can be issued on it; offer a re-issue.", SRC_REVOKED,
                      _said("このカードには電子証明書を発行できません。再交付の手続をご案内します。",
                            "No certificate can be issued on this card. The re-issue procedure will be explained."))
    return Reason("renewal.card_suspended", "このカードは一時停止中です。先に一時停止の解除の手続を行ってください。",
                  "This card is suspended: lift the suspension first.", SRC_SUSPENSION_LIFT,
                  _said("先に、カードの一時停止の解除のお手続が必要です。",
                        "The card's suspension must be lifted first."))


FEE_FREE = Reason(
    "renewal.fee_free", "電子証明書の更新手数料は無料です（期限後の新規発行も無料）。",
    "The certificate renewal is free of charge (so is a new issue after the expiry).", SRC_RENEWAL_FEE,
    _said("電子証明書の更新の手数料はかかりません。", "There is no fee for renewing the certificates."))


def renewed(which: str, new_expiry: str, today: str) -> Reason:
    ja, en = _name(which)
    return Reason(
        f"renewal.renewed.{which}",
        f"新しい{ja}をカードから読み取り、有効期限 {new_expiry}（残り {days_left(new_expiry, today)} 日）を確認しました。",
        f"The new {en} was read back from the card: valid until {new_expiry} ({days_left(new_expiry, today)} "
        "days).", SRC_RENEWAL_VALIDITY,
        _said(f"新しい{ja}の有効期限は {new_expiry} です。", f"The new {en} is valid until {new_expiry}."))


# -- checks and stages -------------------------------------------------------------------------

def chosen(values: dict) -> list[str]:
    return [w for w in CERTIFICATES if w in (values.get("renew") or [])]


def card_problems(values: dict, today: str) -> list[Reason]:
    """Blocking at the first step: the card must have been read, and each chosen certificate must
    be on it and (the signing one) read with the holder's password."""
    certs = values.get("certificates") or {}
    problems = []
    renew = chosen(values)
    young = no_signing_certificate(values, today)
    if "sign" in renew and len(renew) > 1 and young:
        problems.append(SIGN_REMOVE)
    for which in renew:
        if which == "sign" and young:
            continue             # not offered: the decision says so (or SIGN_REMOVE above)
        ja, en = _name(which)
        entry = certs.get(which)
        if entry is None:
            problems.append(Reason(
                f"renewal.not_on_card.{which}", f"このカードには{ja}が搭載されていません。選択から外してください。",
                f"This card carries no {en}: untick it.", SRC_RENEWAL_VALIDITY))
        elif not entry.get("not_after"):
            problems.append(Reason(
                f"renewal.not_read.{which}",
                f"{ja}の有効期限をまだ読み取っていません。本人が署名用電子証明書の暗証番号を入力して読み取ってください。",
                f"The {en}'s validity is not read yet: the holder types the signing password to read it.",
                "CARD.md: the signing certificate is read after the signing password"))
    return problems


def card_stage(store, ctx):
    """The first decision: card state, the signing certificate for a young holder, the card's own
    expiry, then each chosen certificate against its window."""

    def stage(scope) -> Decision:
        v, today = ctx.values, ctx.today
        if v.get("card_status") in ("suspended", "revoked"):
            return Decision.refuse(card_status_reason(v["card_status"]))
        renew = chosen(v)
        if renew == ["sign"] and no_signing_certificate(v, today):
            return Decision.refuse(SIGN_NOT_OFFERED)
        expiries = {w: expiry_of(v, w) for w in renew}
        card_expiry = v.get("card_expiry")
        if card_expiry and (card_expiry < today or any(card_expiry <= e for e in expiries.values() if e)):
            return Decision.refuse(card_expires_first(card_expiry, today))
        early = [before_window(w, e, today) for w, e in expiries.items() if e and today < window_opens(e)]
        if early:
            return Decision.refuse(*early)
        reasons = [expired(w, e, today) if e < today else within_window(w, e, today)
                   for w, e in expiries.items() if e]
        return Decision.allow(*requester_reasons(v), *reasons, FEE_FREE, renew=renew,
                              days_left={w: days_left(e, today) for w, e in expiries.items() if e})

    return stage


def identity_stage(store, ctx):
    """The card itself with its PIN is the holder's photo ID; otherwise the usual documents."""

    def stage(scope) -> Decision:
        docs = ctx.values.get("identity_documents") or []
        problems = identity_problems(docs, ctx.values.get("oral_questions"), ctx.values.get("oral_note") or "")
        if problems:
            return Decision.refuse(*problems)
        return Decision.allow(*identity_basis(docs))

    return stage


INQUIRY_FORM = Reason(
    "renewal.voluntary_agent.inquiry_form",
    "任意代理人による更新は本日は完了できません。照会書兼回答書を本人の住民登録地へ郵送します（転送不要）。"
    "本人が記入し封をした回答書を持って、代理人が再度来庁してください（有効期限通知書に同封の照会書兼回答書でも可）。",
    "A voluntary agent cannot finish a renewal today. The inquiry-and-answer form is mailed to the holder's "
    "registered address (not forwardable); the agent comes back with it sealed (the form sent with J-LIS's "
    "expiry notice also serves).", SRC_RENEWAL_AGENT,
    _said("代理人の方のお手続は本日は完了できません。照会書兼回答書をご本人の住所へ郵送しますので、"
          "ご本人が記入し封をしたものをお持ちください。",
          "An agent's request cannot be finished today. The inquiry-and-answer form will be mailed to the "
          "holder's address; please bring it back filled in and sealed by the holder."))


def agent_stage(store, ctx):
    """A voluntary agent's first visit waits for the inquiry-and-answer form (as a PIN reset)."""

    def stage(scope):
        decision = agent_wait(ctx.values)
        if decision is not None and decision.outcome.value == "wait":
            return Decision(decision.outcome, (INQUIRY_FORM,), decision.data)
        return decision

    return stage


def confirm_problems(values: dict, today: str) -> list[Reason]:
    """After the renewal, read again: each renewed certificate is a new one running longer."""
    problems = []
    after = values.get("certificates_after") or {}
    for which in chosen(values):
        ja, en = _name(which)
        old = (values.get("certificates") or {}).get(which) or {}
        new = after.get(which) or {}
        if not new.get("not_after"):
            problems.append(Reason(
                f"renewal.after_not_read.{which}", f"更新後の{ja}をまだカードから読み取っていません。",
                f"The renewed {en} has not been read from the card yet.", SRC_RENEWAL_VALIDITY))
        elif new.get("serial") == old.get("serial") or new["not_after"] <= (old.get("not_after") or ""):
            problems.append(Reason(
                f"renewal.not_renewed.{which}",
                f"カードの{ja}は更新されていません（有効期限 {new['not_after']}）。カード管理システムでの発行を確認し、"
                "もう一度読み取ってください。",
                f"The card's {en} is not renewed (valid until {new['not_after']}). Check the issue in the "
                "card-administration system and read the card again.", SRC_RENEWAL_VALIDITY))
    return problems


def done_stage(store, ctx):
    def stage(scope) -> Decision:
        v, today = ctx.values, ctx.today
        after = v.get("certificates_after") or {}
        new = {w: after[w]["not_after"] for w in chosen(v)}
        return Decision.allow(*requester_reasons(v), *(renewed(w, e, today) for w, e in new.items()), FEE_FREE,
                              renewed=list(new), new_validity=new)

    return stage

