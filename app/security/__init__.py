"""Security of the counter (no Qt): staff accounts and sign-in (password or the staff member's own
card), the DV restriction stage of the decision pipeline, two-person release of a restriction,
DV/stalking support-measure records, and the append-only hash-chained audit log.

This package decides who may do what and records that it happened. It never shows anything
(screens live in ``app/ui``) and never stores, logs or prints a PIN or a My Number.
"""
