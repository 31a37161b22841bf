"""The rules of the counter as data: decision tables and the decision pipeline.

No Qt, no I/O of its own: rules read the store only through what a caller hands them. The
tables, stages and settings are described with the workflows that run them (``app.workflows``).
``reasons.py`` gives a reason code its staff words on its own (from its declaration), for counts
by reason.
"""
