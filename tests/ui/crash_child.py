"""Run by test_ui_crash.py in a separate process: the real window works a case half way, says
READY and waits to be killed (SIGKILL: no clean-up of any kind runs)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(store_path: str) -> None:
    from app.config import OfficeConfig
    from app.ui.main import Controller, create_application
    from app.ui.services import Services

    app = create_application([], lang="ja")
    services = Services.open(config=OfficeConfig(), training=True, store_path=Path(store_path),
                             with_card=False)
    controller = Controller(services)
    controller.start()
    controller.signin.login.setText("clerk1")
    controller.signin.password.setText("clerk1-kenshu")
    controller.signin.sign_in_with_password()
    window = controller.window
    window.start_case("status_inquiry", None)
    page = window.case_page
    for field, value in (("method", "four_items"), ("family_name", "窓口"), ("given_name", "花子"),
                         ("address", "研修市本町一丁目1番1号"), ("birth_date", "1985-06-15"), ("sex", "2")):
        services.set_value(page.case_id, field, value)
    services.tick(page.case_id, "identity_checked", True)
    page.refresh()
    page.go_next()
    app.processEvents()
    assert page.view.step == "answer", page.view.step
    print(f"READY {page.case_id}", flush=True)
    while True:                      # the clerk is in the middle of the answer step
        app.processEvents()
        time.sleep(0.05)


if __name__ == "__main__":
    main(sys.argv[1])
