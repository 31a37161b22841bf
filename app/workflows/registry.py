"""The case types the counter offers, in menu order, and their rule stages per decision point.
Only data: adding a case type means adding its module here."""

from __future__ import annotations

from app.workflows.cases import copy_issuance, pin_reset, status_inquiry, suspension_lift

_MODULES = (pin_reset, suspension_lift, status_inquiry, copy_issuance)

CASE_TYPES = {m.CASE.id: m.CASE for m in _MODULES}
RULES = {m.CASE.id: m.RULES for m in _MODULES}
