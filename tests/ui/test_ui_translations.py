"""The Japanese catalogue: complete, and every translation keeps its source's {placeholders}
(a translation that drops or renames one would raise at run time or show the wrong value)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.ui.uihelpers import TS, ensure_catalogue

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _messages():
    tree = ET.parse(TS)
    for context in tree.getroot().iter("context"):
        name = context.find("name").text
        for message in context.iter("message"):
            yield name, message.find("source").text or "", message.find("translation")


def test_catalogue_is_complete():
    unfinished = [(ctx, src) for ctx, src, tr in _messages()
                  if tr.get("type") in ("unfinished", "vanished", "obsolete") or not (tr.text or "").strip()]
    assert unfinished == []


def test_placeholders_match_the_source():
    wrong = [(ctx, src, tr.text) for ctx, src, tr in _messages()
             if sorted(PLACEHOLDER.findall(src)) != sorted(PLACEHOLDER.findall(tr.text or ""))]
    assert wrong == []


def test_every_tr_string_in_the_code_is_in_the_catalogue():
    """A string added to the code but not run through lupdate would stay English in Japanese mode."""
    import ast
    from pathlib import Path

    sources = {src for _, src, _ in _messages()}
    in_code = set()
    for path in (Path(TS).parents[2] / "app" / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                in_code.add(node.args[0].value)
    assert len(in_code) > 50
    assert in_code - sources == set()


def test_catalogue_loads_and_translates(qapp):
    from PySide6.QtCore import QCoreApplication, QTranslator

    translator = QTranslator()
    assert translator.load(str(ensure_catalogue()))
    assert translator.translate("SignInWindow", "Sign in") == "サインイン"
