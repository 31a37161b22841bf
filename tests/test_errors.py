"""One base for the errors a person can see (app/errors.py), and app.cli only at the entry points."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import app
from app.errors import MadoguchiError, UserError, split_bilingual

ROOT = Path(app.__file__).parent

#: modules allowed to import app.cli: the entry points of the `madoguchi` and `madoguchi-gui` scripts
ENTRY_POINTS = {"app/__main__.py", "app/ui/main.py"}

#: exception classes that never reach a person as such, and why
INTERNAL = {
    "app.card.apdu.ApduFormatError": "a malformed APDU of the card protocol; turned into a CardError",
    "app.card.tlv.TlvError": "a malformed TLV from the card; turned into a CardError",
    "app.security.registration.SignatureNeeded": "the draft pass of a card-signed ledger event; caught by "
                                                 "CardSignature.draft, never shown",
    "app.security.keys.KeyError_": "a signing key that does not open; the sign-in then makes a new one",
    "app.sync.layout._Bad": "one bad item of an import row; collected into the row-by-row error report",
}


def _modules():
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if info.name == "app.__main__" or info.name.startswith("app.ui"):
            continue            # __main__ runs the command; app.ui needs Qt (checked by the source scan)
        yield importlib.import_module(info.name)


def test_every_error_class_of_the_app_has_the_common_base():
    stray = []
    for module in _modules():
        for name, cls in vars(module).items():
            if (inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == module.__name__
                    and not issubclass(cls, MadoguchiError) and f"{module.__name__}.{name}" not in INTERNAL):
                stray.append(f"{module.__name__}.{name}")
    assert stray == []
    # app.ui (not imported here): its error classes use the base too
    for path in (ROOT / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                assert "MadoguchiError" in {getattr(b, "id", None) for b in node.bases}, (path, node.name)


def test_only_the_entry_points_import_the_command_line():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if "app.cli" in names and rel not in ENTRY_POINTS:
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_the_base_carries_code_and_both_languages():
    error = MadoguchiError("日本語の説明 / the English words", code="test.code", detail="errno 5")
    assert (error.code, error.ja, error.en, error.detail) == ("test.code", "日本語の説明", "the English words", "errno 5")
    assert str(error) == "日本語の説明 / the English words [errno 5]"
    assert error.message("en") == "the English words" and error.to_json()["code"] == "test.code"
    assert split_bilingual("a / b / c") == ("a", "b / c") and split_bilingual("only") == ("only", "only")


def test_user_error_keeps_its_old_call_and_import():
    from app.cli import UserError as FromCli

    assert FromCli is UserError
    error = UserError("ファイルがあります / the file exists", code=3)
    assert error.exit_status == 3 and error.code == "cli.user_error" and str(error) == "ファイルがあります / the file exists"


def test_sync_error_exit_status_and_kind():
    from app.sync.connection import EXIT_AUTH, SyncError

    error = SyncError("パスワードが違います / the password was refused", EXIT_AUTH)
    assert (error.exit_status, error.code) == (EXIT_AUTH, "sync.auth")
    assert isinstance(error, UserError)


@pytest.mark.parametrize("make", [
    lambda: __import__("app.store.db", fromlist=["x"]).StoreNotFoundError("ストアがありません / no store"),
    lambda: __import__("app.config", fromlist=["x"]).ConfigError("設定が違います", "bad setting", key="k"),
    lambda: __import__("app.card.errors", fromlist=["x"]).NoReader(),
    lambda: __import__("app.security.staff", fromlist=["x"]).AuthError("auth.locked", "ロック", "locked"),
])
def test_existing_errors_keep_their_text_and_gain_the_base(make):
    error = make()
    assert isinstance(error, MadoguchiError) and error.ja and error.en and error.code
    assert str(error) == f"{error.ja} / {error.en}"
