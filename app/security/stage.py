"""Entry point the workflow pipeline loads (``app.workflows.pipeline.RESTRICTION_STAGE`` =
``app.security.stage:restriction_stage``). The stage itself lives in
:mod:`app.security.restriction`; this module only names it for the pipeline."""

from app.security.restriction import restriction_stage

__all__ = ["restriction_stage"]
