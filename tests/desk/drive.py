"""Drive every registered case type to completion through ``app.desk`` alone, on a real store:
sign in with a password, open each case, tick, enter, press Next (and resume a case that waits for
a return visit), then take its documents. Run as a script by ``test_desk.py`` so that the process
proves no Qt is needed: it prints one JSON line with what happened and whether PySide6 got loaded.

    python -m tests.desk.drive STORE_PATH
"""

from __future__ import annotations

import json
import sys

from app.config import OfficeConfig
from app.security.staff import add_staff
from app.store import open_store
from tests.workflows.helpers import add_application, add_card, add_household, add_resident
from tests.workflows.test_crash_resume import PIN_HOLDER_CARD_EXPIRY

PASSWORD = "desk-test-password-1"


def town(store) -> dict:
    hid = add_household(store)
    adult = add_resident(store, hid, birth="1985-06-15")
    pin_holder = add_resident(store, hid, given="一郎", given_kana="イチロウ", birth="1950-01-01", sex=1)
    lift_holder = add_resident(store, hid, given="三郎", given_kana="サブロウ", birth="1960-01-01", sex=1)
    add_card(store, pin_holder, locked=["auth"], expiry=PIN_HOLDER_CARD_EXPIRY)
    add_card(store, lift_holder, status="suspended")
    add_application(store, adult, "3" * 23)
    add_staff(store, login="deskclerk", display_name="窓口 机子", roles=["clerk"], password=PASSWORD,
              terminal_id="T-DESK")
    return {"adult": adult, "pin_holder": pin_holder, "lift_holder": lift_holder}


def count_replays(store):
    """A list that grows by one for every replay of a case's events (the engine's one query)."""
    replays = []
    store.conn.set_trace_callback(
        lambda sql: replays.append(sql) if "FROM case_events" in sql and "ORDER BY n" in sql else None)
    return replays


def drive(desk, case_type: str, plan) -> dict:
    cid = desk.start_case(case_type)
    view = desk.case_view(cid)
    for step, ticks, values in plan:
        if view.status == "paused":          # waited for the return visit: taken up from the queue
            desk.open_case(cid)
            view = desk.case_view(cid)
        assert view.step == step, (case_type, view.step, step, view.blocking)
        for item in ticks:
            desk.tick(cid, item, True)
        for field_id, value in values.items():
            desk.set_value(cid, field_id, value)
        view = desk.next(cid)
    import app.printing.case_adapter as slip     # where the documents render the slip

    replays, renders, render = count_replays(desk.store), [], slip.render_slip
    slip.render_slip = lambda s: renders.append(s) or render(s)
    try:
        docs = desk.documents_for(view)
    finally:
        slip.render_slip = render
        desk.store.conn.set_trace_callback(None)
    again = desk.documents_for(view)
    return {"status": view.status, "documents": [d.kind for d in docs], "replays": len(replays), "slips_rendered": len(renders),
            "pdf": all(d.pdf.startswith(b"%PDF") for d in docs), "cached": again is docs,
            "queued": any(q.case_id == cid for q in desk.queue("done"))}


def main(path: str) -> None:
    from app.desk import Desk
    from app.workflows.registry import ENTRIES
    from tests.workflows.test_crash_resume import plans

    store = open_store(path, create=True)
    ids = town(store)
    desk = Desk(store=store, config=OfficeConfig(terminal_id="T-DESK"), training=False, store_path=path)
    assert desk.sign_in_password("deskclerk", PASSWORD).ok
    all_plans = plans({**ids, "gone": ids["adult"]})
    out = {"cases": {e.id: drive(desk, e.id, all_plans[e.id]) for e in ENTRIES},
           "qt_loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))}
    store.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
