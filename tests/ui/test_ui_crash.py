"""The app killed mid-case (SIGKILL, nothing cleaned up) and started again: after sign-in the
case that was open comes back at the same step with everything entered so far."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.uihelpers import REPO, dispose

pytestmark = pytest.mark.gui


def test_killed_mid_case_reopens_at_the_same_step(qtbot, tmp_path, madoguchi_home, lang_ja):
    store_path = tmp_path / "demo.db"
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen",
               MADOGUCHI_HOME=str(madoguchi_home))
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("crash_child.py")),
                              str(store_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=REPO, env=env)
    try:
        line = child.stdout.readline()
        assert line.startswith("READY"), child.stderr.read()
        case_id = line.split()[1]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    from app.config import OfficeConfig
    from app.ui.main import Controller
    from app.ui.services import Services

    services = Services.open(config=OfficeConfig(), training=True, store_path=store_path,
                             with_card=False)
    controller = Controller(services)
    controller.start()
    try:
        controller.signin.login.setText("clerk1")
        controller.signin.password.setText("clerk1-kenshu")
        controller.signin.sign_in_with_password()
        window = controller.window
        qtbot.waitUntil(lambda: window.case_page is not None, timeout=15000)
        page = window.case_page
        assert page.case_id == case_id
        assert page.view.step == "answer" and page.view.status == "open"
        assert "手順 2/2" in page.header.text()
        values = services.engine.state(case_id).plain_values
        assert values["family_name"] == "窓口" and values["birth_date"] == "1985-06-15"
        assert any(i.id == "answer_given" for i in page.view.items)
    finally:
        dispose(controller)
        services.close()
