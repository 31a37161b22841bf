"""Counter cases as UI-free state machines (see ``engine``), their case types (``cases``), the
decision pipeline (``pipeline``) and ``madoguchi rules explain`` (``explain``, ``cli``). No Qt."""

from app.workflows.engine import CaseEngine, CaseError, FieldError  # noqa: F401
from app.workflows import registry  # noqa: F401,E402  (registers the case types with engine and pipeline)
