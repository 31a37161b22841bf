"""The twin suite: nothing on the requester's side tells a protected person from an unprotected
twin (issue: "nothing a requester hears, reads or receives reveals a protected person").

For every cell of the generated grid (case type × requester type × delivery channel × whom /
how looked up; every step of the walk compared) the same request is built for both sides of a
twin set written into the demo municipality (see ``tests.twins.twins``), and everything on the
requester channel is compared: the requester texts after every step, the found / not-found
answer, and the text of every document the requester receives, read back from the PDF. The one
allowed difference: the protected side waits for the support officer, saying only
``said.REVIEW`` (the sentence every review uses, DV or not). Released, it must then be identical
to the plain twin; refused, it must say only the neutral refusal (and, for the status inquiry,
exactly what an inquiry for nobody gets). Hypothesis picks the names and streets of the twins.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.rules import said
from app.store import open_store
from app.store.demo_pools import FEMALE_NAMES, MALE_NAMES, SURNAMES, TOWNS
from app.workflows.engine import CaseEngine

from tests.twins.twins import (
    MOVED_CITY, POST_PLACE_TOWN, TERMINAL, Cell, channel, first_difference, grid, masker, request_of, walk, write_side,
)

CELLS = grid()
BY_CASE: dict[str, list[Cell]] = defaultdict(list)
for _cell in CELLS:
    BY_CASE[_cell.case_type].append(_cell)

#: words that never reach a requester in a refusal after review
STAFF_WORDS = ("支援措置", "加害", "責任者", "交付制限", "除票", "転出", "DV", "measure", "perpetrator", "officer",
               "removed", "moved")
MOVED_STREETS = ("山下町", "北仲通", "海岸通", "弁天通", "相生町", "住吉町")
SAFE_TOWNS = [t for t, _, _ in TOWNS if t not in ("研修", "中央町", "本町", POST_PLACE_TOWN)]


def _shaped(pool, key=len):
    """Entries of ``pool`` whose shape (``key``) at least one other entry shares."""
    return [p for p in pool if sum(key(q) == key(p) for q in pool) > 1]


def _pair(draw, pool, key=len, avoid=()):
    """Two different entries of ``pool`` of the same shape, none of them in ``avoid``."""
    pool = _shaped([p for p in pool if p not in avoid], key)
    a = draw(st.sampled_from(pool))
    b = draw(st.sampled_from([q for q in pool if q != a and key(q) == key(a)]))
    return a, b


def _name_shape(entry):
    return (len(entry[0]), len(entry[1]))


@st.composite
def twin_names(draw):
    """Names, kana and streets for the two sides: different strings of the same shape, and no
    string shared by two members of a side (each masks to its own token)."""
    female = [n for n in (FEMALE_NAMES if isinstance(FEMALE_NAMES[0], tuple) else FEMALE_NAMES[0]) if len(n[0]) >= 2]
    male = [n for n in (MALE_NAMES if isinstance(MALE_NAMES[0], tuple) else MALE_NAMES[0]) if len(n[0]) >= 2]
    surnames = [n for n in SURNAMES if len(n[0]) >= 2]
    sides: list[dict] = [{}, {}]
    used: list = []
    for key, pool in (("family", surnames), ("adult", female), ("elder", female), ("child", male), ("moved", male)):
        a, b = _pair(draw, pool, _name_shape, avoid=used)
        used += [a, b]
        sides[0][key], sides[1][key] = a, b
    sides[0]["town"], sides[1]["town"] = _pair(draw, SAFE_TOWNS)
    sides[0]["moved_street"], sides[1]["moved_street"] = _pair(draw, list(MOVED_STREETS))
    return sides


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo municipality (研修市, a few hundred residents) with the training accounts."""
    from app.security.demo import create_training_accounts
    from app.store.demo import generate

    path = tmp_path_factory.mktemp("twins") / "demo.db"
    generate(path, 300, seed=11, card_files=False, quiet=True)
    store = open_store(path)
    create_training_accounts(store, terminal_id=TERMINAL)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


class Officer:
    """officer1's sign-in, renewed before it stops counting as fresh."""

    def __init__(self, store):
        self.store, self.at, self.auth = store, 0.0, None

    def __call__(self):
        from app.security.staff import authenticate_password

        if self.auth is None or time.monotonic() - self.at > 60:
            self.auth = authenticate_password(self.store, "officer1", "officer1-kenshu", terminal_id=TERMINAL)
            self.at = time.monotonic()
        return self.auth


def _run_case_type(case_type, names, demo_template, tmp_path):
    path = tmp_path / f"twins-{time.monotonic_ns()}.db"
    shutil.copyfile(demo_template, path)
    store = open_store(path)
    try:
        officer = Officer(store)
        plain = write_side(store, officer(), names[0], protected=False, serial=1)
        prot = write_side(store, officer(), names[1], protected=True, serial=2)
        clerk = store.conn.execute("SELECT id FROM staff WHERE login = 'clerk1'").fetchone()[0]
        engine = CaseEngine(store, staff_id=clerk, terminal_id=TERMINAL)
        failures, steps = [], 0
        review = [said.REVIEW.as_dict()]
        for cell in BY_CASE[case_type]:
            a = walk(engine, store, cell, request_of(cell, plain, store), mask=masker(plain))
            b = walk(engine, store, cell, request_of(cell, prot, store), officer=officer(), mask=masker(prot))
            steps += len(a.entries)
            if a.waits:
                failures.append(f"{cell.name}: the unprotected twin waited at {a.waits[0]['step']}")
            for w in b.waits:
                if w["said"] != review:
                    failures.append(f"{cell.name}: wait at {w['step']}: said {first_difference(w['said'], review)}")
            for side_walk in (a, b):
                failures += _no_address(cell, side_walk)
            diff = first_difference(channel(a), channel(b))
            if diff:
                failures.append(f"{cell.name}: protected (released) vs unprotected twin: {diff}")
            if b.waits:
                failures += _refused_path(engine, store, cell, prot, plain, officer)
            if case_type == "suspension_lift" and cell.target == "moved":
                failures += _unregistered_holder(engine, store, cell, plain, a)
        return failures, steps
    finally:
        store.close()


#: the masks of a side's addresses: never in what is said, nor in a refusal notice
ADDRESS_TOKENS = ("〈住所〉", "〈転出先〉", "〈転出町〉", "〈町〉")


def _no_address(cell, w) -> list[str]:
    said_text = json.dumps([e["said"] for e in w.entries], ensure_ascii=False)
    notice = w.documents.get("refusal_notice", "")
    return [f"{cell.name}: an address of the record in what the requester is told or sent ({t})"
            for t in ADDRESS_TOKENS if t in said_text or t in notice]


def _refused_path(engine, store, cell, prot, plain, officer) -> list[str]:
    """The protected side, refused by the officer: nothing but the neutral refusal; a status
    inquiry exactly as for nobody (four items or an application ID that match no one)."""
    from app.rules.said import refused

    c = walk(engine, store, cell, request_of(cell, prot, store), officer=officer(), officer_says="refuse",
             mask=masker(prot))
    if cell.case_type == "status_inquiry":
        nobody = request_of(cell, prot, store)
        nobody.update({"family_name": "不在", "given_name": "無人", "application_id": "9" * 23}
                      if cell.method == "four_items" else {"application_id": "9" * 23})
        n = walk(engine, store, cell, nobody, mask=masker(plain))
        diff = first_difference(channel(n), channel(c))
        return [f"{cell.name}: refused after review vs an inquiry for nobody: {diff}"] if diff else []
    expected = [refused(cell.case_type).as_dict()]
    problems = []
    if c.status != "refused" or c.entries[-1]["said"] != expected:
        problems.append(f"{cell.name}: refused after review: said {c.entries[-1]['said'] if c.entries else None}")
    notice = c.documents.get("refusal_notice", "")
    if expected[0]["ja"] not in notice or any(w in notice for w in STAFF_WORDS):
        problems.append(f"{cell.name}: refused after review: refusal_notice text {notice!r}")
    return problems


def _unregistered_holder(engine, store, cell, plain, moved_walk) -> list[str]:
    """A holder who is not in the records (the clerk types where they live) sounds like the
    holder who moved away (who sounds like the protected one, by the comparison above)."""
    values = {**request_of(cell, plain, store), "holder_resident_id": None, "holder_is_resident": False,
              "holder_municipality": f"{MOVED_CITY}{'海岸通'}5番2号"}
    values.pop("holder_resident_id")
    n = walk(engine, store, cell, values, mask=masker(plain))
    diff = first_difference(channel(moved_walk), channel(n))
    return [f"{cell.name}: moved-away holder vs a holder not in the records: {diff}"] if diff else []


@pytest.mark.parametrize("case_type", sorted(BY_CASE))
@settings(max_examples=1, deadline=None, database=None, phases=[Phase.generate],   # no shrinking: the
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # names are printed
@given(names=twin_names())
def test_protected_and_unprotected_twins_sound_the_same(case_type, names, demo_template, tmp_path):
    failures, steps = _run_case_type(case_type, names, demo_template, tmp_path)
    assert steps >= len(BY_CASE[case_type])          # every cell walked at least one step
    assert not failures, "\n".join(failures)


def test_the_grid_covers_every_case_type_requester_type_and_channel():
    from app.rules.tables import CARD_REQUESTERS, REQUESTER_TYPES

    assert {c.requester_type for c in BY_CASE["copy_issuance"]} == {str(r) for r in REQUESTER_TYPES}
    assert {c.requester_type for c in BY_CASE["suspension_lift"]} == {str(r) for r in CARD_REQUESTERS}
    assert {c.requester_type for c in BY_CASE["cert_renewal"]} == {str(r) for r in CARD_REQUESTERS}
    assert {c.channel.split(":")[0] for c in BY_CASE["copy_issuance"]} == {"counter", "post"}
    assert len(CELLS) == len(REQUESTER_TYPES) * (6 + 2) * 3 + len(CARD_REQUESTERS) * 5 + 2
