"""A two-step case type for the sync tests, run by the real case engine with the real DV
restriction stage: step "ask" takes the persons in scope and decides, step "issue" hands over."""

from __future__ import annotations

from app.rules.core import RequestScope
from app.workflows.engine import CaseEngine, CaseTypeDef, ChecklistItem, FieldSpec, Step, complete, go
from tests.sync.municipality import sid

REMOTE = CaseTypeDef(
    id="remote_test", ja="遠隔テスト", en="remote test",
    steps=(
        Step("ask", "請求", "request", route=lambda ctx: go("issue", ctx.decide("ask")),
             fields=(FieldSpec("persons", "residents", "対象者", "persons"),)),
        Step("issue", "交付", "issue", route=lambda ctx: complete(ctx.decide("ask")),
             items=(ChecklistItem("handed", "交付した", "handed over"),)),
    ),
    build_scope=lambda ctx: RequestScope(ctx.case_id, "remote_test", ctx.staff_id,
                                         persons=tuple(ctx.get("persons", ())),
                                         documents=("juminhyo",)),
)



def engine(store, staff: str, terminal: str) -> CaseEngine:
    return CaseEngine(store, staff_id=sid(staff), terminal_id=terminal, case_types={"remote_test": REMOTE})
