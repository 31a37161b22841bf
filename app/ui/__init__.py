"""The counter window (PySide6). The ONLY package that imports Qt.

Pages here render what the UI-free layers decide (workflow steps, rule decisions, card state);
they never decide a rule themselves, never block on the card reader and never keep a PIN.
"""
