"""Sub-commands for the card (office IT staff, trainers, tests): ``card emulator`` attaches the
test card to vpcd; ``card readers`` and ``card read`` are the diagnostics IT staff use when a
clerk says "the reader doesn't work".

Never prints a PIN; the My Number only masked unless asked for.
"""

from __future__ import annotations

import argparse
import signal
import sys

from app.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="My Number card: test card emulator, reader diagnostics")
    csub = p.add_subparsers(dest="card_command", required=True, metavar="ACTION")

    emu = csub.add_parser("emulator", help="attach a test card (card file) to vpcd until stopped")
    emu.add_argument("--card", required=True, help="the test card's card file")
    emu.add_argument("--port", type=int, default=35963, help="vpcd port of the reader slot (default 35963)")
    emu.add_argument("--host", default="127.0.0.1", help="host where vpcd listens (default 127.0.0.1)")
    emu.add_argument("--control", help="Unix socket for the test-only control channel (PIN reset etc.)")
    emu.set_defaults(func=_emulator)

    stack = csub.add_parser("stack", help="run a private pcscd with two virtual readers (training, demos) "
                                          "until stopped; prints the PCSCLITE_CSOCK_NAME for clients")
    stack.add_argument("--insert", action="append", default=[], metavar="CARD_FILE",
                       help="put a test card in the next reader (up to two)")
    stack.set_defaults(func=_stack)
    _register_diagnostics(csub)


def _emulator(args: argparse.Namespace) -> int:
    from app.card.cardfile import CardFileError
    from app.card.emulator import VpcdCardEmulator

    try:
        emulator = VpcdCardEmulator(args.card, port=args.port, host=args.host, control_path=args.control)
    except CardFileError as exc:
        raise UserError(str(exc)) from None
    signal.signal(signal.SIGTERM, lambda *_: emulator.stop())
    status = emulator.status()
    print(f"test card {status['serial']} ({args.card}) → vpcd {args.host}:{args.port}; "
          "Ctrl+C removes it / Ctrl+C でカードを抜きます", file=sys.stderr, flush=True)
    try:
        emulator.run_forever()
    except KeyboardInterrupt:
        emulator.stop()
    return 0


def _stack(args: argparse.Namespace) -> int:
    import threading

    from app.card.cardfile import CardFileError
    from app.card.stack import SLOTS, PcscStack, StackError

    if len(args.insert) > SLOTS:
        raise UserError(f"at most {SLOTS} cards (two readers)")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack = PcscStack().start()
    except StackError as exc:
        raise UserError(str(exc)) from None
    stack.use_in_this_process()          # insert() waits until this stack's pcscd sees the card
    try:
        for slot, card_file in enumerate(args.insert):
            try:
                stack.insert(card_file, slot)
            except (CardFileError, StackError) as exc:
                raise UserError(str(exc)) from None
        print(f"export PCSCLITE_CSOCK_NAME={stack.socket_path}", flush=True)
        for slot, name in enumerate(stack.reader_names()):
            card = stack.inserted_card_file(slot)
            print(f"# {name}: vpcd port {stack.slot_port(slot)}, control {stack.control_path(slot)}"
                  + (f", card {card}" if card else ", empty"), flush=True)
        print("# Ctrl+C stops pcscd / Ctrl+C で停止します", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        stack.stop()
    return 0


def _register_diagnostics(csub: argparse._SubParsersAction) -> None:
    readers = csub.add_parser("readers", help="list the card readers and what is on each")
    readers.add_argument("--json", action="store_true", help="machine-readable output")
    readers.set_defaults(func=_readers)

    read = csub.add_parser("read", help="read a My Number card: state, tries left, four items, certificate")
    read.add_argument("--reader", help="reader name (default: the terminal's chosen reader, else the only "
                                       "reader, else the only reader with a card; never a guess)")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.add_argument("--pin-stdin", action="store_true",
                      help="read the input-support PIN from the first line of stdin (no prompt)")
    read.add_argument("--no-pin", action="store_true", help="skip the PIN: tries left and certificate only")
    read.add_argument("--show-number", action="store_true", help="show the My Number unmasked")
    read.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for the card")
    read.set_defaults(func=_read)


def _start_service():
    from app.card.service import ReaderService

    return ReaderService(poll_interval=0.5).start()


def _readers(args: argparse.Namespace) -> int:
    import json
    import threading

    from app.card import errors
    from app.card.service import EventKind

    settled_kinds = {EventKind.NO_CARD, EventKind.MY_NUMBER_CARD, EventKind.UNKNOWN_CARD}
    service = _start_service()
    try:
        try:
            names = service.readers().result(10)
        except errors.CardError as exc:
            raise UserError(str(exc)) from None
        rows = []
        for name in names:
            settled = threading.Event()     # woken by the reader's event, not by polling
            service.add_listener(lambda e, settled=settled, name=name: settled.set()
                                 if e.reader == name and e.kind in settled_kinds else None)
            service.select_reader(name).result(10)
            settled.wait(2)
            state = service.state
            rows.append({"reader": name, "card_present": state.card_present,
                         "card": state.card_kind, "atr": state.atr.hex(" ").upper()})
    finally:
        service.stop()
    if args.json:
        print(json.dumps({"readers": rows}, ensure_ascii=False, indent=2))
    elif not rows:
        print("カードリーダーがありません / no card reader")
    else:
        for row in rows:
            what = {"my_number_card": "マイナンバーカード / My Number card", "unknown": "不明なカード / unknown card",
                    None: "カードなし / no card" if not row["card_present"] else "確認中 / checking"}[row["card"]]
            print(f"{row['reader']}\t{what}" + (f"\tATR {row['atr']}" if row["atr"] else ""))
    return 0


def _choose_reader(requested: str | None, names: list[str], presence: dict[str, bool]) -> str:
    from app.config import OfficeConfig

    if requested:
        if requested not in names:
            raise UserError(f"リーダー「{requested}」が見つかりません / no reader named {requested!r}; "
                            f"readers: {', '.join(names) or '(none)'}")
        return requested
    remembered = OfficeConfig.load().default_reader
    if remembered and remembered in names:
        return remembered
    if len(names) == 1:
        print(f"madoguchi: using the only reader / 唯一のリーダーを使用: {names[0]}", file=sys.stderr)
        return names[0]
    if not names:
        raise UserError("カードリーダーが見つかりません / no card reader found", code=3)
    with_card = [name for name in names if presence.get(name)]
    if len(with_card) == 1:
        print(f"madoguchi: using the only reader with a card / カードのあるリーダーを使用: {with_card[0]}",
              file=sys.stderr)
        return with_card[0]
    raise UserError("リーダーを --reader で指定してください / choose a reader with --reader: " + ", ".join(names))


def _read_pin(args: argparse.Namespace) -> str | None:
    if args.no_pin:
        return None
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    from app.cliargs import read_secret

    return read_secret("券面事項入力補助用暗証番号（4桁）/ input-support PIN (4 digits): ", from_stdin=False,
                       option="--pin-stdin (or --no-pin)", what=("暗証番号", "PIN"))


def _read(args: argparse.Namespace) -> int:
    import json
    import time

    from app.card import errors

    pin = _read_pin(args)
    service = _start_service()
    try:
        try:
            names = service.readers().result(10)
            presence = service.card_presence().result(10) if not args.reader and len(names) > 1 else {}
            reader = _choose_reader(args.reader, names, presence)
            service.select_reader(reader).result(10)
            deadline = time.monotonic() + args.timeout
            waiting_said = False
            while True:
                try:
                    readout = service.read_card(pin).result(args.timeout + 5)
                    break
                except (errors.NoCard, errors.CardConnectionLost) as exc:
                    if time.monotonic() > deadline:
                        raise
                    if not waiting_said:
                        waiting_said = True
                        print(f"madoguchi: {exc.ja} / {exc.en} (waiting {args.timeout:.0f} s)",
                              file=sys.stderr, flush=True)
                    time.sleep(0.2)
        except errors.CardError as exc:
            if args.json:
                print(json.dumps({"reader": args.reader, "error": exc.to_json()}, ensure_ascii=False, indent=2))
            raise UserError(str(exc), code=3) from None
        finally:
            pin = None
    finally:
        service.stop()
    data = {"reader": reader, "card": "my_number_card", **readout.to_json(show_number=args.show_number)}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_readout(data)
    return 1 if readout.items_error else 0


def _print_readout(data: dict) -> None:
    from app.card.errors import secret_name

    print(f"リーダー / reader: {data['reader']}")
    print("残り回数 / tries left:")
    for secret, left in data["tries_left"].items():
        ja, en = secret_name(secret)
        shown = "—" if left is None else f"{left}/{data['max_tries'][secret]}" + (" ロック / LOCKED" if left == 0 else "")
        print(f"  {ja} / {en}: {shown}")
    items = data.get("items")
    if items:
        print(f"氏名 / name: {items['name']}")
        print(f"住所 / address: {items['address']}")
        print(f"生年月日 / birth date: {items['birth_date']}")
        print(f"性別 / sex: {({'1': '男 / male', '2': '女 / female', '9': '適用不能 / n/a'})[items['sex']]}")
        print(f"個人番号 / My Number: {data['my_number']}")
    if data.get("items_error"):
        print(f"券面事項 / card items: {data['items_error']['ja']} / {data['items_error']['en']}")
    cert = data["certificates"].get("auth")
    if cert:
        print(f"利用者証明用電子証明書 / authentication certificate: {cert['subject']}")
        print(f"  有効期間 / valid: {cert['not_before']} – {cert['not_after']}"
              + ("" if cert["valid_now"] else "  期限外 / NOT VALID NOW"))
        print(f"  発行者 / issuer: {cert['issuer']}  シリアル / serial: {cert['serial']}")
