"""Sample data and sample documents: a few fictional residents of 研修市 written into a store, and
``python -m app.printing.samples OUTDIR`` which renders one of every printed document as PDF and
PNG (the images under ``docs/samples/`` come from it).

Used by the printing tests and benchmark and by anyone who wants to look at a document. It must
not be used on a live store (it writes residents).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.store.db import Store, new_id, now_iso, open_store
# lazy imports: the layers a sample drives load only when samples are made


def _check(n11: str) -> str:
    from app.ids import my_number_check_digit

    return n11 + str(my_number_check_digit(n11))


@dataclass
class SampleTown:
    head: str
    wife: str
    child_old: str
    child_young: str
    household: str
    foreign: str
    removed: str
    lodger: str           # 同居人 in the big household
    staff_clerk: str
    staff_officer: str
    staff_third: str
    victim: str
    perpetrator: str
    perpetrator_address: str
    measure: str


def add_household(conn, code: str, address: str, postal: str = "100-0001") -> str:
    hid = new_id()
    conn.execute("INSERT INTO households(id, household_code, address, postal_code) VALUES (?,?,?,?)",
                 (hid, code, address, postal))
    return hid


def add_resident(conn, household_id, family, given, fkana, gkana, birth, sex, address, *,
                 relationship=None, status="active", serial=0, **extra) -> str:
    rid = new_id()
    cols = {
        "id": rid, "household_id": household_id, "resident_code": f"{10000000000 + serial:011d}",
        "my_number": _check(f"{31234567000 + serial:011d}"),
        "family_name": family, "given_name": given, "family_kana": fkana, "given_kana": gkana,
        "name_key": family + given, "kana_key": fkana + gkana, "birth_date": birth, "sex": sex,
        "postal_code": "100-0001", "address": address, "address_key": address,
        "relationship": relationship, "status": status,
        "domicile": "東京都千代田区千代田一丁目1番", "domicile_head": "山田　太郎",
        "became_resident_date": "1985-04-01", "address_date": "2010-03-15", "notified_date": "2010-03-20",
        "previous_address": "大阪府大阪市北区梅田三丁目1番1号",
    }
    cols.update(extra)
    names = ", ".join(cols)
    marks = ", ".join("?" for _ in cols)
    conn.execute(f"INSERT INTO residents({names}) VALUES ({marks})", tuple(cols.values()))
    return rid


def _reading(family: str, given: str, day: str, source: str) -> dict:
    """The columns of an official reading (app.store.furigana) recorded on ``day`` from ``source``."""
    return {"furigana_family": family, "furigana_given": given, "furigana_date": day, "furigana_source": source}


def add_staff(conn, login: str, name: str, roles: str = '["clerk"]') -> str:
    sid = new_id()
    conn.execute("INSERT INTO staff(id, login, display_name, roles, created_at) VALUES (?,?,?,?,?)",
                 (sid, login, name, roles, now_iso()))
    return sid


def create_sample_town(store: Store) -> SampleTown:
    """Fictional residents of 研修市 in ``store``: the Yamada household of five, a foreign resident
    with an alias, a removed record, a DV victim and the perpetrator (with a support measure), and
    three staff members. Returns their ids."""
    addr = "研修市中央一丁目2番3号"
    with store.transaction() as conn:
        hh = add_household(conn, "H0001", addr)
        # official readings (氏名の振り仮名): the head's and the wife's recorded (hers with her 旧氏
        # reading), the younger son's not yet; the lodger's differs from the search kana
        head = add_resident(conn, hh, "山田", "太郎", "ヤマダ", "タロウ", "1960-02-10", 1, addr,
                            relationship="世帯主", serial=1, **_reading("ヤマダ", "タロウ", "2026-06-01", "ex_officio"))
        wife = add_resident(conn, hh, "山田", "花子", "ヤマダ", "ハナコ", "1963-07-07", 2, addr,
                            relationship="妻", serial=2, former_surname="佐藤", former_surname_kana="サトウ",
                            **_reading("ヤマダ", "ハナコ", "2025-07-14", "notification"),
                            former_furigana="サトウ", former_furigana_date="2025-08-01",
                            former_furigana_source="notification")
        young = add_resident(conn, hh, "山田", "次郎", "ヤマダ", "ジロウ", "1995-12-01", 1, addr,
                             relationship="子", serial=3)
        old = add_resident(conn, hh, "山田", "一郎", "ヤマダ", "イチロウ", "1989-01-08", 1, addr,
                           relationship="子", serial=4, **_reading("ヤマダ", "イチロウ", "2026-06-01", "ex_officio"))
        lodger = add_resident(conn, hh, "田中", "実", "タナカ", "ミノル", "1950-05-05", 1, addr,
                              relationship="同居人", serial=5,
                              **_reading("タナカ", "ミノリ", "2025-09-30", "koseki_notice"))
        conn.execute("UPDATE households SET head_id = ? WHERE id = ?", (head, hh))
        fh = add_household(conn, "H0002", "研修市港町五丁目6番7号 メゾン港101")
        foreign = add_resident(conn, fh, "SMITH", "JOHN ALEXANDER", "スミス", "ジョン アレクサンダー",
                               "1990-04-01", 1, "研修市港町五丁目6番7号 メゾン港101", relationship="世帯主",
                               serial=6, is_foreign=1, nationality="アメリカ合衆国", residence_status="技術・人文知識・国際業務",
                               residence_period="3年", residence_expiry="2027-03-31", foreign_category="中長期在留者",
                               alias="山本　ジョン", alias_kana="ヤマモト　ジョン", domicile=None, domicile_head=None)
        conn.execute("UPDATE households SET head_id = ? WHERE id = ?", (foreign, fh))
        rh = add_household(conn, "H0003", "研修市北町一丁目1番1号")
        removed = add_resident(conn, rh, "鈴木", "一郎", "スズキ", "イチロウ", "1926-12-25", 1,
                               "研修市北町一丁目1番1号", relationship="世帯主", serial=7, status="removed",
                               removal_reason="moved_out", removal_date="2019-04-30",
                               moved_to_address="福岡県福岡市中央区天神一丁目1番1号")
        vh = add_household(conn, "H0004", "研修市南町三丁目3番3号")
        victim = add_resident(conn, vh, "高橋", "美咲", "タカハシ", "ミサキ", "1992-09-09", 2,
                              "研修市南町三丁目3番3号", relationship="世帯主", serial=8)
        ph = add_household(conn, "H0005", "研修市西町九丁目9番9号")
        perp_addr = "研修市西町九丁目9番9号"
        perp = add_resident(conn, ph, "高橋", "健", "タカハシ", "ケン", "1988-03-03", 1, perp_addr,
                            relationship="世帯主", serial=9)
        clerk = add_staff(conn, "clerk1", "窓口　一郎")
        officer = add_staff(conn, "officer1", "支援　責任者", '["support_officer"]')
        third = add_staff(conn, "clerk2", "確認　三郎")
        measure = new_id()
        conn.execute(
            "INSERT INTO support_measures(id, target_id, kind, status, applied_date, start_date, end_date,"
            " perpetrator_family_name, perpetrator_given_name, perpetrator_address, perpetrator_resident_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (measure, victim, "dv", "active", "2026-01-10", "2026-01-20", "2027-01-19", "高橋", "健",
             "研修市東町二丁目8番8号", perp))
    return SampleTown(head, wife, old, young, hh, foreign, removed, lodger, clerk, officer, third, victim, perp,
                "研修市東町二丁目8番8号", measure)


# --------------------------------------------------------------------------- sample documents

SAMPLE_DAY = "2026-11-25"


def sample_documents(store: Store, town: SampleTown, *, training: bool = False) -> dict[str, bytes]:
    """One of every printed document, rendered from the sample town (name → PDF)."""
    import dataclasses
    import datetime as dt

    from app.config import OfficeConfig
    from app.printing.copies import render_copy
    from app.printing.letters import Enclosure, RefusalNotice, build_cover_letter, render_cover_letter, render_refusal
    from app.printing.slip import SlipReason, render_slip
    from app.printing.model import build_copy_request
    from app.rules.codes import DocumentType as D, Item as I

    day = dt.date.fromisoformat(SAMPLE_DAY)
    office = OfficeConfig()

    def copy(document, ids, serial, **kw):
        request = build_copy_request(store, document, ids, office=office, training=training, issued_on=day, **kw)
        return render_copy(dataclasses.replace(request, issue_number=f"{day:%Y%m%d}-00-T001-{serial:06d}"))

    household = [town.head, town.wife, town.child_old, town.child_young, town.lodger]
    docs = {
        "juminhyo-household": copy(D.JUMINHYO, household, 1, items={I.HOUSEHOLD, I.DOMICILE}),
        "juminhyo-foreign-resident": copy(D.JUMINHYO, [town.foreign], 2, items={I.HOUSEHOLD}),
        "juminhyo-with-my-number": copy(D.JUMINHYO, [town.head], 3, items={I.HOUSEHOLD, I.MY_NUMBER,
                                        I.RESIDENT_CODE, I.HISTORY}, entitled_numbers={I.MY_NUMBER, I.RESIDENT_CODE}),
        "kisai-jiko": copy(D.KISAI_JIKO, [town.head, town.wife], 4, items={I.HOUSEHOLD}, purpose="年金事務所へ提出"),
        "fuhyo": copy(D.FUHYO, [town.head, town.wife, town.child_old], 5, items={I.HISTORY}),
        "juminhyo-removed": copy(D.JUMINHYO_REMOVED, [town.removed], 6, items={I.HISTORY}),
    }
    docs["processing-slip"] = render_slip(sample_slip(town, office, training=training))
    docs["refusal-notice"] = render_refusal(RefusalNotice(
        requester_name="高橋　健", procedure="住民票の写し等の交付", office=office, case_id="sample-0002",
        request_date=day, issued_on=day, training=training,
        reasons=(SlipReason(
            "住民票の写し等を交付することはできません。交付されない場合の対応方法については、裁判所で手続の教示を"
            "受けることができます。具体的な手続については、裁判所にご相談ください。",
            "DV等支援措置に係る総務省通知（平成30年12月3日）：裁判所からの調査嘱託"),)))
    docs["refusal-notice-protected"] = render_refusal(RefusalNotice(
        requester_name="窓口　請求", procedure="住民票の写し等の交付", office=office, case_id="sample-0003",
        request_date=day, issued_on=day, training=training, reasons=protected_refusal_reasons()))
    letter = build_cover_letter(
        store, town.head, [Enclosure("住民票の写し", 1, f"{day:%Y%m%d}-00-T001-000003", carries_my_number=True)],
        subject_ids=[town.head], office=office, training=training, issued_on=day)
    docs["cover-letter"] = render_cover_letter(dataclasses.replace(letter, issue_number=f"{day:%Y%m%d}-00-T001-000007"))
    return docs


def protected_refusal_reasons():
    """What a third party's refusal notice says when the support officer refused a request for a
    protected person: the requester channel of the restriction stage's real decision (the
    officer's words stay on the staff side)."""
    from app.printing.case_adapter import requester_reasons
    from app.rules.core import Decision, Outcome, RequestScope
    from app.security.restriction import officer_refused

    scope = RequestScope("sample-0003", "copy_issuance", "")
    decision = Decision(Outcome.REFUSE, (officer_refused(scope, "請求者と加害者の関係が疑われるため拒否"),))
    return requester_reasons(decision.as_dict())


def sample_slip(town: SampleTown, office, *, training: bool = False):
    """A processing slip of a copy issuance under a support measure, released by the officer."""
    from app.printing.slip import Confirmer, ProcessingSlip, SlipCheck, SlipEntry, SlipReason

    t = "2026-11-25T01:{:02d}:00+00:00".format
    return ProcessingSlip(
        case_id="3f2a9c1e-5b7d-4e0a-9c61-2d8f7a1b0c42", case_type="住民票の写し等の交付", status="完了",
        opened_at=t(2), opened_by="窓口　一郎", terminal_id=office.terminal_id, office=office,
        requester=(("請求者の種別", "本人"), ("請求者（住民記録）", "高橋　美咲")),
        targets=("高橋　美咲（対象者）",),
        checks=(
            SlipCheck("請求の内容", "請求書の記載（請求者・対象者・生年月日・住所）を確認した", True, "窓口　一郎", t(3)),
            SlipCheck("請求者の本人確認", "書類が原本で有効期限内であることを確認した", True, "窓口　一郎", t(6)),
            SlipCheck("交付", "交付する写しを請求書と照合した（対象者・記載事項・通数）", True, "窓口　一郎", t(14)),
            SlipCheck("交付", "手数料を受領した", True, "窓口　一郎", t(15)),
        ),
        entries=(
            SlipEntry("請求する証明書", "住民票の写し", "窓口　一郎", t(3)),
            SlipEntry("範囲", "本人のみ（個人）", "窓口　一郎", t(3)),
            SlipEntry("請求事由", "本人による自己の権利行使", "窓口　一郎", t(4)),
            SlipEntry("提示された本人確認書類", "マイナンバーカード", "窓口　一郎", t(6)),
            SlipEntry("交付方法", "直接交付", "窓口　一郎", t(5)),
        ),
        confirmers=(
            Confirmer("窓口担当者", "窓口　一郎", t(2)),
            Confirmer("支援措置責任者（一時解除）", "支援　責任者", t(10), "住民票の写し　期限 令和8年11月25日 10:40:00"),
            Confirmer("再ロック（支援措置責任者）", "支援　責任者", t(16)),
            Confirmer("再ロック確認（第三者）", "確認　三郎", t(20)),
        ),
        decision="可（手続を行った）",
        reasons=(SlipReason("本人からの請求です。", "住民基本台帳法第12条第1項"),
                 SlipReason("支援措置責任者が本件に限り一時解除しました。", "DV等支援措置に係る総務省通知（平成27年9月4日）：支援措置責任者による一時解除")),
        issued=("住民票の写し　交付番号 20261125-00-T001-000003　1頁　窓口　一郎",),
        printed_at=t(21), training=training,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m app.printing.samples OUTDIR [--training] [--dpi N]``: write PDFs and PNGs."""
    import argparse
    import subprocess
    import tempfile
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m app.printing.samples")
    parser.add_argument("outdir")
    parser.add_argument("--training", action="store_true")
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--pdf", action="store_true", help="keep the PDFs too")
    args = parser.parse_args(argv)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="madoguchi-samples-") as tmp:
        with open_store(Path(tmp) / "samples.db", create=True) as store:
            town = create_sample_town(store)
            for name, pdf in sample_documents(store, town, training=args.training).items():
                pdf_path = (out if args.pdf else Path(tmp)) / f"{name}.pdf"
                pdf_path.write_bytes(pdf)
                subprocess.run(["pdftoppm", "-r", str(args.dpi), "-png", str(pdf_path), str(out / name)], check=True)
                print(name)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
