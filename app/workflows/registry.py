"""The case types the counter offers, in menu order, and their rule stages per decision point.
Only data: adding a case type means adding its module here."""

from __future__ import annotations

from app.workflows.cases import status_inquiry

_MODULES = (status_inquiry,)

CASE_TYPES = {m.CASE.id: m.CASE for m in _MODULES}
RULES = {m.CASE.id: m.RULES for m in _MODULES}
