"""``python -m app.ui.screenshots DIR [--desk-only]`` (``make screenshots``): PNGs of every screen of
the counter window, in Japanese and English, rendered offscreen on a fresh training store, and of
the supervisor's desk on the desk's sample office (``--desk-only``: those alone).

It drives the real window the way a clerk would (sign in, start cases, tick, press Next); the
scenes are the list :data:`SCENES`. Nothing here is used by the app itself.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
# lazy imports: the window and its pages load once the offscreen application exists

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
        store_path = home / lang / "demo.db"
        store_path.parent.mkdir(parents=True, exist_ok=True)
        make_demo_store(store_path)
        self.services = Services.open(config=OfficeConfig(), training=True, store_path=store_path)
        self.services.prepare()
        self.controller = Controller(self.services)
        self.controller.start()

    def settle(self) -> None:
        for _ in range(5):
            self.app.processEvents()

    def wait_for(self, condition, timeout: float = 15.0) -> None:
        import time

        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise RuntimeError("the screen did not get there in time")
            self.app.processEvents()
            time.sleep(0.02)

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
        self.controller.close()
        self.services.close()


def make_demo_store(path: Path, residents: int = 400) -> None:
    """A small demo municipality made by the store's own generator (``madoguchi demo-data``)."""
    import subprocess

    subprocess.run([sys.executable, "-m", "app", "demo-data", "--store", str(path),
                    "--residents", str(residents), "--seed", "7"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _protected_resident(store) -> tuple[str, str]:
    row = store.conn.execute(
        "SELECT r.id, r.family_name || ' ' || r.given_name FROM support_measures m JOIN residents r ON r.id = m.target_id "
        "WHERE m.status != 'ended' AND r.status = 'active' ORDER BY r.id LIMIT 1").fetchone()
    return row[0], row[1]


def _fill(page, field_id, value) -> None:
    page.services.set_value(page.case_id, field_id, value)
    page.refresh()


def _tick_all(page) -> None:
    for item in page.view.items:
        page.services.tick(page.case_id, item.id, True)
    page.refresh()


def _copy_case_to_identity(window, request):
    """A copy case filled in: the request, counter hand-over, a driving licence; Next pressed on
    each step (the last one stops where the rules say)."""
    window.start_case("copy_issuance", None)
    page = window.case_page
    for fid, value in request:
        _fill(page, fid, value)
    _tick_all(page)
    page.go_next()
    for fid, value in (("channel", "counter"), ("delivery", "hand_over")):
        _fill(page, fid, value)
    page.go_next()
    _fill(page, "identity_documents", ["driving_licence"])
    _tick_all(page)
    page.go_next()
    return page


# ------------------------------------------------------------------------------------- scenes

def scene_sign_in(s: Shooter) -> None:
    s.controller.signin.resize(WIDTH, HEIGHT)
    s.save(s.controller.signin, "01-sign-in")


def scene_home(s: Shooter) -> None:
    window = s.sign_in()
    _, family = _protected_resident(s.services.store)
    window.home.search_edit.setText(family)
    window.home.search()
    s.save(window, "02-home-search")


def scene_card(s: Shooter) -> None:
    """A demo card on the training reader; two wrong PINs make the input-support PIN low (red)."""
    from app.card.service import wait

    window = s.controller.window
    services = s.services
    s.wait_for(lambda: services.card_service is not None and services.card.readers)
    window.tray.reload()
    window.tray.cards.setCurrentRow(0)
    window.tray.insert()
    s.wait_for(lambda: services.card.state == "mynumber" and len(services.card.tries) == 4)
    for _ in range(2):
        try:
            wait(services.card_service.verify("input", "0000"))
        except Exception:
            pass
    services.refresh_tries()
    s.wait_for(lambda: services.card.tries.get(__import__("app.rules.codes", fromlist=["Secret"]).Secret.INPUT) == 1)
    s.save(window, "03-card-panel-low-tries")


def scene_status_inquiry(s: Shooter) -> None:
    window = s.controller.window
    window.start_case("status_inquiry", None)
    page = window.case_page
    _fill(page, "method", "four_items")
    s.save(window, "04-case-next-disabled")
    row = s.services.store.conn.execute(
        "SELECT r.family_name, r.given_name, r.address, r.birth_date, r.sex FROM card_applications a "
        "JOIN residents r ON r.id = a.resident_id WHERE r.status = 'active' ORDER BY a.id LIMIT 1").fetchone()
    for fid, value in zip(("family_name", "given_name", "address", "birth_date", "sex"), row):
        _fill(page, fid, str(value))
    _tick_all(page)
    page.go_next()
    s.settle()
    s.save(window, "05-case-answer")
    window.go_home()


def scene_pin_dialogs(s: Shooter) -> None:
    from app.ui.pindialog import NewPinDialog, ResidentPinDialog

    dialog = ResidentPinDialog(s.controller.window)
    dialog.edit.setText("12")
    dialog.show()
    s.save(dialog, "06-resident-pin")
    dialog.edit.clear()
    dialog.close()
    dialog = NewPinDialog("juki", "住民基本台帳用の暗証番号" if s.lang == "ja" else "resident-registry PIN",
                          s.controller.window)
    dialog.show()
    s.save(dialog, "07-new-pin")
    dialog.close()


def scene_restriction(s: Shooter) -> None:
    """A copy request touching a protected person: the warning, then the sign-off dialog where
    the handling clerk is refused."""
    from app.ui.residentpicker import ResidentPickerDialog
    from app.ui.restriction import SignOffDialog

    window = s.controller.window
    rid, family = _protected_resident(s.services.store)
    picker = ResidentPickerDialog(s.services, True, "対象者" if s.lang == "ja" else "Persons asked for", window)
    picker.edit.setText(family)
    picker.search()
    picker.show()
    s.save(picker, "08-resident-picker")
    picker.close()

    page = _copy_case_to_identity(window, (
        ("document", "juminhyo"), ("requester_type", "self"), ("requester_resident_id", rid),
        ("target_resident_ids", [rid]), ("scope", "person"), ("purpose", "own_use"), ("purpose_detail", "年金の手続")))
    s.settle()
    s.save(window, "09-restriction-warning")
    dialog = SignOffDialog(s.services, page.view, window)
    for box, _, _ in dialog.checks.values():
        box.setChecked(True)
    dialog.login.setText("clerk1")
    dialog.password.setText("clerk1-kenshu")
    dialog._decide("release")
    dialog.show()
    s.save(dialog, "10-sign-off-clerk-refused")
    dialog.login.setText("officer1")
    dialog.password.setText("officer1-kenshu")
    dialog._decide("release")
    dialog.close()
    page.warning.decided.emit("release")
    s.settle()
    s.save(window, "11-released-countdown")
    _tick_all(page)
    page.go_next()
    s.settle()
    s.save(window, "12-completed")
    from app.ui.preview import DocumentsDialog

    docs = DocumentsDialog(s.services.documents_for(page.view), window)
    docs.show()
    s.save(docs, "13-documents")
    docs.close()
    window.go_home()


def scene_refused_after_review(s: Shooter) -> None:
    """A third party asks for a protected person's copy: the case stops (the requester box says
    only the review sentence, the staff box says why), the support officer refuses, and the
    refused case shows the two channels apart (15, 16)."""
    from app.ui.restriction import SignOffDialog

    window = s.controller.window
    rid, _ = _protected_resident(s.services.store)
    page = _copy_case_to_identity(window, (
        ("document", "juminhyo"), ("requester_type", "third_party"), ("requester_family_name", "窓口"),
        ("requester_given_name", "請求"), ("requester_family_kana", "マドグチ"), ("requester_given_kana", "セイキュウ"),
        ("requester_birth_date", "1970-07-07"), ("requester_address", "東京都千代田区丸の内一丁目1番1号"),
        ("target_resident_ids", [rid]), ("scope", "person"), ("purpose", "own_right"),
        ("purpose_detail", "貸金の返還請求")))
    s.settle()
    s.save(window, "15-stopped-two-channels")
    dialog = SignOffDialog(s.services, page.view, window)
    dialog.login.setText("officer1")
    dialog.password.setText("officer1-kenshu")
    dialog.note.setPlainText("請求者と加害者の関係が疑われるため拒否" if s.lang == "ja"
                             else "The requester appears linked to the perpetrator: refused")
    dialog._decide("refuse")
    dialog.close()
    page.warning.decided.emit("refuse")
    s.settle()
    s.save(window, "16-refused-two-channels")
    window.go_home()


def _resident_with_readings(store) -> tuple[str, str]:
    """A current resident under no support measure whose official reading differs from the search
    kana (else any with a reading), preferring one with a 旧氏 reading: (id, the official surname
    reading in hiragana, as a clerk might type it)."""
    import jaconv

    row = store.conn.execute(
        "SELECT r.id, r.furigana_family FROM residents r WHERE r.status = 'active' AND r.furigana_family IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM support_measures m WHERE m.target_id = r.id AND m.status != 'ended') "
        "AND NOT EXISTS (SELECT 1 FROM support_measure_members mm WHERE mm.resident_id = r.id) "
        "ORDER BY r.furigana_family = r.family_kana, r.former_furigana IS NULL, r.resident_code LIMIT 1").fetchone()
    return row[0], jaconv.kata2hira(row[1])


def _painted(view) -> bool:
    """Whether the PDF view shows its page yet (QPdfView renders pages in the background): a
    grab of the view holds dark pixels (text) and not only the page's white."""
    image = view.grab().toImage()
    step = max(1, image.width() // 120)
    return any(image.pixelColor(x, y).lightness() < 100
               for y in range(image.height() // 10, image.height() // 2, step)
               for x in range(image.width() // 10, image.width() * 9 // 10, step))


def scene_readings(s: Shooter) -> None:
    """Official readings (氏名の振り仮名): the resident list found by the official reading typed in
    hiragana, with the reading, its date and source (17), and a copy of that resident's record
    printing the reading above the name (18: the preview as the clerk sees it)."""
    from app.ui.preview import PdfPreview

    window = s.controller.window
    rid, typed = _resident_with_readings(s.services.store)
    window.home.search_edit.setText(typed)
    window.home.search()
    s.save(window, "17-resident-readings")
    page = _copy_case_to_identity(window, (
        ("document", "juminhyo"), ("requester_type", "self"), ("requester_resident_id", rid),
        ("target_resident_ids", [rid]), ("scope", "person"), ("purpose", "own_use"), ("purpose_detail", "年金の手続")))
    for _ in range(3):
        if page.view.status == "completed":
            break
        _tick_all(page)
        page.go_next()
    s.settle()
    documents = s.services.documents_for(page.view)
    preview = PdfPreview(documents[0], window)
    preview.resize(900, HEIGHT)
    preview.show()
    s.wait_for(lambda: preview.document.pageCount() > 0)
    s.wait_for(lambda: _painted(preview.view))
    s.save(preview, "18-copy-furigana")
    preview.close()
    window.go_home()


def _expiring_card(s: Shooter):
    """A demo resident's training card issued almost five years ago (its certificates expire in
    30 days), put on the reader; the store's card row follows the card file."""
    import datetime as dt

    from app.card.cardfile import TRAINING_PINS, create_card_file

    s.wait_for(lambda: s.services.card_service is not None and s.services.card.readers)
    store = s.services.store
    row = store.conn.execute(
        "SELECT r.id, r.family_name, r.given_name, r.address, r.birth_date, r.sex, r.my_number, c.id "
        "FROM residents r JOIN cards c ON c.resident_id = r.id WHERE r.status = 'active' AND c.status = 'active' "
        "AND c.cert_sign_status = 'valid' AND r.my_number IS NOT NULL AND r.birth_date < '1990-01-01' "
        "AND c.card_file IS NULL AND r.id NOT IN (SELECT resident_id FROM cards WHERE card_file IS NOT NULL) "
        "AND r.id NOT IN (SELECT target_id FROM support_measures) ORDER BY r.id LIMIT 1").fetchone()
    soon = dt.date.today() + dt.timedelta(days=30)
    issued = soon.replace(year=soon.year - 5, day=min(soon.day, 28) if soon.month == 2 else soon.day)
    until = issued.replace(year=issued.year + 10)
    from app.store.demo import cards_dir_for

    path = cards_dir_for(Path(s.services.store_path)) / "renewal-demo-card.json"   # beside the tray's cards
    create_card_file(path, family_name=row[1], given_name=row[2], address=row[3], birth_date=row[4], sex=row[5],
                     my_number=row[6], pins=TRAINING_PINS, valid_from=issued, valid_until=until)
    with store.transaction() as conn:
        conn.execute("UPDATE cards SET issued_date = ?, expiry_date = ?, card_file = ? WHERE id = ?",
                     (issued.isoformat(), until.isoformat(), str(path), row[7]))
    done = []
    s.services.tray_insert(str(path), 0, done.append)
    s.wait_for(lambda: done and s.services.card.state == "mynumber" and s.services.card.certificates)
    return row[0]


def scene_renewal(s: Shooter) -> None:
    """Certificate renewal: the home offer and the panel's warning, the validity read from the
    card, the new certificates issued by the training card, the new validity read back."""
    window = s.controller.window
    services = s.services
    window.go_home()
    holder = _expiring_card(s)
    s.wait_for(lambda: window.home.renew_offer.isVisible())
    s.save(window, "30-renewal-offer-and-panel")
    window.home.renew_offer.click()
    s.wait_for(lambda: window.case_page is not None and window.case_page.view.case_type == "cert_renewal")
    page = window.case_page
    _fill(page, "requester_type", "self")
    _fill(page, "holder_resident_id", holder)
    done = []
    services.read_certificates_into_case(page.case_id, "ABC123", done.append)
    s.wait_for(lambda: done)
    for box in page.editors["renew"][0].boxes:         # as the clerk ticks them
        box.setChecked(True)
    s.wait_for(lambda: len(next(f.value or [] for f in page.view.fields if f.id == "renew")) == 2)
    _tick_all(page)
    s.save(window, "31-renewal-validity-read")
    page.go_next()
    _fill(page, "identity_documents", ["my_number_card"])
    _tick_all(page)
    page.go_next()
    s.wait_for(lambda: page.view.step == "renew")
    done.clear()
    services.renew_on_training_card({"sign": "RENEW2026", "auth": "5678"}, lambda r: (done.append(r), page._reset_done(r)))
    s.wait_for(lambda: done)
    s.save(window, "32-renewal-issued-on-training-card")
    _tick_all(page)
    page.go_next()
    done.clear()
    services.read_certificates_into_case(page.case_id, "RENEW2026", done.append)
    s.wait_for(lambda: done)
    page.refresh()
    s.save(window, "33-renewal-new-validity-read-back")
    page.go_next()
    s.wait_for(lambda: page.view.status == "completed")
    s.save(window, "34-renewal-completed")
    window.go_home()


def scene_pin_triage(s: Shooter) -> None:
    """A PIN reset of the signing password and the resident-registry PIN: after identity, the
    reset step names where else each could be reset (municipality setting, dated source)."""
    window = s.controller.window
    window.go_home()
    holder = s.services.store.conn.execute(
        "SELECT r.id FROM residents r JOIN cards c ON c.resident_id = r.id WHERE r.status = 'active' "
        "AND c.status = 'active' AND c.cert_sign_status = 'valid' AND r.birth_date < '1990-01-01' "
        "AND r.id NOT IN (SELECT target_id FROM support_measures) ORDER BY r.id LIMIT 1").fetchone()[0]
    window.start_case("pin_reset", None)
    page = window.case_page
    for fid, value in (("requester_type", "self"), ("holder_resident_id", holder), ("secrets", ["sign", "juki"])):
        _fill(page, fid, value)
    _tick_all(page)
    page.go_next()
    s.settle()
    page = window.case_page
    _fill(page, "identity_documents", ["my_number_card"])
    _tick_all(page)
    page.go_next()
    s.wait_for(lambda: window.case_page.view.step == "reset")
    s.save(window, "35-pin-reset-triage")
    window.go_home()


def scene_locked(s: Shooter) -> None:
    s.controller.lock()
    s.controller.signin.resize(WIDTH, HEIGHT)
    s.save(s.controller.signin, "14-locked")


def _tray_put(s: Shooter, status: str) -> "object":
    """Put the first tray card of ``status`` ("active", "forged", "face_auth") on the reader."""
    window, services = s.controller.window, s.services
    s.wait_for(lambda: services.card_service is not None and services.card.readers)
    window.tray.reload()
    row = next(i for i, c in enumerate(window.tray._cards) if c.status == status)
    window.tray.cards.setCurrentRow(row)
    window.tray.insert()
    s.wait_for(lambda: window.tray.insert_button.isEnabled() and services.card.state == "mynumber")
    return window.tray._cards[row]


def _chip_check_dialog(s: Shooter, card, typed_shot: str | None = None):
    """A PIN-reset case of the card's holder at its identity step, the My Number card shown, and
    the chip check dialog with 照合番号B typed from the card (the birth date as printed, in the
    Japanese era; ``typed_shot``: saved before the read, the Western date beside it) and the chip read."""
    import datetime as dt

    from app.card.cardfile import load_card_file
    from app.era import era_of

    window = s.controller.window
    chip = load_card_file(card.path)
    rid = s.services.store.conn.execute("SELECT id FROM residents WHERE my_number = ?", (chip.my_number,)).fetchone()[0]
    window.start_case("pin_reset", None)
    page = window.case_page
    for fid, value in (("requester_type", "self"), ("holder_resident_id", rid), ("secrets", ["auth"])):
        _fill(page, fid, value)
    _tick_all(page)
    page.go_next()
    _fill(page, "identity_documents", ["my_number_card"])
    _tick_all(page)
    dialog = page.chip_check()
    birth = dt.date.fromisoformat(chip.holder.birth_date)
    era, year = era_of(birth)
    dialog.birth.setText(f"{era}{year}年{birth.month}月{birth.day}日")
    dialog.expiry.setText(chip.valid_until[:4])
    dialog.security.setText(chip.surface.security_code)
    if typed_shot:
        s.save(dialog, typed_shot)
    dialog.read_chip()
    s.wait_for(lambda: dialog.readout is not None)
    return page, dialog


def scene_chip_check(s: Shooter) -> None:
    """The chip check of a genuine card: photo and items beside the record, signature valid."""
    page, dialog = _chip_check_dialog(s, _tray_put(s, "active"), typed_shot="39-chip-check-birth-date-as-printed")
    s.save(dialog, "40-chip-check-valid")
    dialog.record(True)
    s.settle()
    page.scroll.ensureWidgetVisible(page.editors["chip_check"][0])      # the recorded check in words
    s.save(s.controller.window, "41-chip-check-recorded")


def scene_chip_check_forged(s: Shooter) -> None:
    """The forged demo card: same printed face, the chip's signature is not the issuer's; Next stops."""
    page, dialog = _chip_check_dialog(s, _tray_put(s, "forged"))
    s.save(dialog, "42-chip-check-forged")
    dialog.record(True)
    page.go_next()
    s.save(s.controller.window, "43-chip-check-forged-refused")


def scene_face_auth_card(s: Shooter) -> None:
    s.controller.window.go_home()            # not the forged card's refused case beside the panel
    _tray_put(s, "face_auth")
    s.wait_for(lambda: s.services.card.face_auth)
    s.save(s.controller.window, "44-card-panel-face-auth")


SCENES = [scene_sign_in, scene_home, scene_card, scene_status_inquiry, scene_pin_dialogs,
          scene_restriction, scene_refused_after_review, scene_readings, scene_renewal, scene_pin_triage,
          scene_chip_check, scene_chip_check_forged, scene_face_auth_card, scene_locked]


def desk_screens(out: Path, lang: str, home: Path) -> list[Path]:
    """The supervisor's desk on the desk's sample office (``app.desk.samples``): figures, queues,
    the measure ledger, the registration dialog and the linked systems of a measure with two
    systems not confirmed. The sample's "now" is fixed, so the pictures do not depend on the day."""
    from app.config import OfficeConfig
    from app.desk.samples import NOW, build
    from app.ui import i18n
    from app.ui.main import Controller, create_application
    from app.ui.services import Services
    from app.ui.supervisor_measures import LinkedSystemsDialog, MeasureRegistrationDialog

    app = create_application([], lang=lang)
    i18n.language().set(lang)
    path = home / lang / "desk.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    office = build(path)
    services = Services.open(config=OfficeConfig(), training=True, store_path=path)
    services.prepare()
    services.desk_today, services.desk_now = NOW.date(), NOW
    controller = Controller(services)
    controller.start()
    shots = []

    def save(widget, name):
        for _ in range(5):
            app.processEvents()
        target = out / f"{name}-{lang}.png"
        widget.grab().save(str(target))
        shots.append(target)

    try:
        controller.signin.login.setText("officer1")
        controller.signin.password.setText("officer1-kenshu")
        controller.signin.sign_in_with_password()
        controller.window.open_desk()
        desk = controller.window.desk
        desk.resize(WIDTH, HEIGHT)
        desk.figures_tab.period.setCurrentIndex(0)
        save(desk, "20-desk-today")
        desk.tabs.setCurrentWidget(desk.queues_tab)
        save(desk, "21-desk-queues")
        desk.tabs.setCurrentWidget(desk.measures_tab)
        save(desk, "22-desk-measures")
        dialog = MeasureRegistrationDialog(services, desk)
        dialog.search.setText("木村")
        dialog.find()
        dialog.p_family.setText("加害")
        dialog.p_given.setText("一郎")
        dialog.show()
        save(dialog, "23-measure-registration")
        dialog.close()
        systems = LinkedSystemsDialog(services, office.measures["missing"], desk)
        systems.show()
        save(systems, "24-linked-systems")
        systems.close()
        desk.close()
    finally:
        for w in (controller.window, controller.signin):
            if w is not None:
                w.close()
        services.close()
    return shots


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="madoguchi-screens-"))
    os.environ["MADOGUCHI_HOME"] = str(home)
    try:
        for lang in ("ja", "en"):
            if "--desk-only" not in argv:
                shooter = Shooter(out, lang, home)
                try:
                    for scene in SCENES:
                        scene(shooter)
                finally:
                    shooter.close()
            desk_screens(out, lang, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for path in sorted(out.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
