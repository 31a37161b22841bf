"""Entry point the workflow pipeline imports (``app.workflows.pipeline.stages_for`` imports
``app.security.stage.restriction_stage`` directly, so a build without it fails loudly). The stage
itself lives in :mod:`app.security.restriction`; this module only names it for the pipeline."""

from app.security.restriction import restriction_stage

__all__ = ["restriction_stage"]
