"""A fifth case type written the way the next real one must land: this one module, and one
``Entry`` line in ``app.workflows.registry.ENTRIES`` (added by the ``fifth_type`` fixture)."""

from __future__ import annotations

from app.rules.core import RequestScope
from app.workflows.engine import CaseTypeDef, ChecklistItem, FieldSpec, Step, complete

CASE = CaseTypeDef(
    id="address_notice",
    ja="転入届の受付",
    en="Taking a moving-in notice",
    steps=(
        Step("receive", "届出の受付", "taking the notice", route=lambda ctx: complete(),
             items=(ChecklistItem("form_received", "届書を受け取った", "notice form received"),),
             fields=(FieldSpec("family_name", "text", "氏", "family name"),)),
    ),
    build_scope=lambda ctx: RequestScope(case_id=ctx.case_id, case_type="address_notice",
                                         handling_staff_id=ctx.staff_id),
)

RULES: dict = {}
