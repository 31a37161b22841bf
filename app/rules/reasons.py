"""Staff words for a reason code on its own, without its case — the table of reason codes.

A decision keeps its reasons whole (code, staff text, requester text, source). A count of
refusals by reason (the supervisor's desk, ``madoguchi report``) keeps only the code of the first
reason and needs words for it that belong to no particular case. They come from the rules:

- a reason the rules declare once, at module level (alone, or in a table such as
  ``cards.CARD_STATUS_REFUSAL`` or ``restriction.REASONS``), is shown with its own staff text —
  the declaration is the one source, nothing is copied;
- a reason whose text is written per case names the case's person, item, document or address
  (``copy.scope.not_same_household`` names the person): the words of one case must never stand
  for the code, so its family has short words of its own here (:data:`FAMILIES`, longest prefix
  first);
- any other code is shown as it is.

Staff words only: never hand them to anything a requester hears, reads or receives.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from app.rules.core import Reason

#: packages (or modules) whose module-level reasons name a code: the rules themselves (a caller
#: above them adds the stages and case types that declare their own reasons, e.g. the desk)
DECLARING = ("app.rules",)

#: words for reasons written per case (the text names the case's person, item or address)
FAMILIES: dict[str, tuple[str, str]] = {
    "copy.scope.": ("対象者の範囲が請求と合わない（世帯・除票・保存期間など）",
                    "persons in scope do not fit the request (household, removed record, retention)"),
    "copy.item.not_on_document.": ("その証明書には記載できない事項の請求",
                                   "an item that this document does not carry"),
    "copy.item.not_for_requester.": ("請求者の種別では記載できない事項の請求",
                                     "an item this kind of requester may not have printed"),
    "copy.item.": ("記載事項が認められない", "items not allowed"),
    "copy.delivery.my_number.": ("個人番号入りの写しの交付方法が認められない",
                                 "delivery not allowed for a copy with the My Number"),
    "copy.delivery.": ("交付方法・送付先が認められない", "delivery method or address not allowed"),
    "copy.purpose.": ("請求事由・利用目的が認められない", "purpose of the request not accepted"),
    "copy.requester.": ("請求者の種別が認められない", "this kind of requester is not accepted"),
    "identity.": ("本人確認ができない", "identity not confirmed"),
    "card.": ("カードの状態・来庁者により手続できない", "the card or who came does not allow the procedure"),
    "pin.": ("暗証番号の再設定ができない", "the PIN cannot be reset"),
    "suspension.": ("一時停止の解除ができない", "the suspension cannot be lifted"),
    "renewal.": ("電子証明書の更新ができない", "the certificates cannot be renewed"),
    "outsourced.": ("委託職員は処理できない（市の職員に引継ぎ）",
                    "outsourced staff cannot handle it (hand over to a municipal employee)"),
    "dv.": ("交付制限（支援措置）による", "restricted (support measure)"),
}


def _modules(name: str):
    module = importlib.import_module(name)
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), name + "."):
        yield importlib.import_module(info.name)


@lru_cache(maxsize=None)
def declared(packages: tuple[str, ...] = DECLARING) -> dict[str, Reason]:
    """Every reason declared at module level in these packages, by code (the first wins)."""
    out: dict[str, Reason] = {}
    for package in packages:
        for module in _modules(package):
            for value in list(vars(module).values()):
                items = value.values() if isinstance(value, dict) else \
                    value if isinstance(value, (list, tuple)) else (value,)
                for item in items:
                    if isinstance(item, Reason):
                        out.setdefault(item.code, item)
    return out


def staff_words(code: str | None, packages: tuple[str, ...] = DECLARING) -> tuple[str, str]:
    """``(ja, en)`` staff words for a reason code on its own (see the module docstring), from the
    reasons declared in ``packages``."""
    if not code or code == "-":
        return ("（理由の記録なし）", "(no reason recorded)")
    reason = declared(packages).get(code)
    if reason is not None:
        return reason.ja, reason.en
    for prefix in sorted(FAMILIES, key=len, reverse=True):
        if code.startswith(prefix):
            return FAMILIES[prefix]
    return code, code
