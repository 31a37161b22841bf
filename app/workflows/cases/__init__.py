"""The counter's case types, one module each; each module defines ``CASE`` (a CaseTypeDef) and
``RULES`` (decision point -> rule stage factories). Registered in ``app.workflows.registry``."""
