"""Sub-commands for the card (office IT staff, trainers, tests): ``card emulator`` attaches the
test card to vpcd; ``card readers`` and ``card read`` are the diagnostics IT staff use when a
clerk says "the reader doesn't work".

Never prints a PIN; the My Number only masked unless asked for.
"""

from __future__ import annotations

import argparse
import sys

from app.cliargs import seconds
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
    import signal                    # here: the diagnostics need none (start-up)

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
    import signal                    # here: the diagnostics need none (start-up)
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
    readers.add_argument("--timeout", type=seconds, default=10.0,
                         help="seconds a card may take to answer (default 10)")
    readers.set_defaults(func=_readers)

    read = csub.add_parser("read", help="read a My Number card: state, tries left, four items, certificate")
    read.add_argument("--reader", help="reader name (default: the terminal's chosen reader, else the only "
                                       "reader, else the only reader with a card; never a guess)")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.add_argument("--pin-stdin", action="store_true",
                      help="read the input-support PIN from the first line of stdin (no prompt)")
    read.add_argument("--no-pin", action="store_true", help="skip the PIN: tries left and certificate only")
    read.add_argument("--show-number", action="store_true", help="show the My Number unmasked")
    read.add_argument("--timeout", type=seconds, default=15.0,
                      help="seconds to wait for the card (and for pcscd, if it restarts meanwhile)")
    read.set_defaults(func=_read)


#: exit status of ``card readers`` / ``card read`` when the card, the reader or pcscd is the
#: problem (a PIN of the wrong form, a usage error: 2; a wrong PIN: 1)
CARD_PROBLEM = 3


def _start_service():
    from app.card.service import ReaderService

    # the diagnostics print what they see; routine reader events are the counter's log lines
    return ReaderService(poll_interval=0.5, log_events=False).start()


def _stop_service(service) -> None:
    # a card that never answers keeps the card thread in its transmit: do not wait long for it
    service.stop(timeout=2.0)


def _result(future, timeout: float):
    """A card-thread result; a card that does not answer in time is a clear error, not a traceback."""
    import concurrent.futures

    from app.card import errors

    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        raise errors.CardDoesNotAnswer(detail=f"no answer within {timeout:g} s") from None


def _card_failure(args: argparse.Namespace, reader: str | None, exc) -> UserError:
    """The error of a card command: JSON on stdout with ``--json`` (naming the reader actually
    used), the message on stderr, exit status 2 for a PIN of the wrong form, else 3."""
    from app.card import errors

    if args.json:
        import json

        print(json.dumps({"reader": reader, "error": exc.to_json()}, ensure_ascii=False, indent=2))
    return UserError(str(exc), code=2 if isinstance(exc, errors.PinFormatError) else CARD_PROBLEM)


def _readers(args: argparse.Namespace) -> int:
    from app.card import errors
    from app.card.service import EventKind

    reasons: dict[str, object] = {}
    service = _start_service()
    service.add_listener(lambda e: reasons.__setitem__(e.reader, e.error)
                         if e.kind is EventKind.UNKNOWN_CARD else None)
    rows = []
    try:
        try:
            names = _result(service.readers(), args.timeout)
            presence = _result(service.card_presence(), args.timeout) if names else {}
        except errors.CardError as exc:
            raise _card_failure(args, None, exc) from None
        busy: errors.CardError | None = None
        for name in names:
            row = {"reader": name, "card_present": bool(presence.get(name)), "card": None, "atr": "",
                   "missing_applications": [], "error": None}
            rows.append(row)
            if not row["card_present"]:
                continue
            if busy is not None:           # the card thread still waits for another reader's card
                row["error"] = busy.to_json()
                continue
            try:
                _result(service.select_reader(name), args.timeout)   # identifies the card
                state = service.state
                row.update(card=state.card_kind, atr=state.atr.hex(" ").upper())
                if state.card_kind == "my_number_card":
                    row["missing_applications"] = _result(
                        service.submit(lambda card: card.missing_applications()), args.timeout)
                elif state.card_kind == "unknown" and isinstance(reasons.get(name), errors.CardError):
                    row["error"] = reasons[name].to_json()
            except errors.CardDoesNotAnswer as exc:
                busy = exc
                row.update(card="unknown", error=exc.to_json())
            except errors.CardError as exc:
                row["error"] = exc.to_json()
    finally:
        _stop_service(service)
    if args.json:
        import json

        print(json.dumps({"readers": rows}, ensure_ascii=False, indent=2))
    elif not rows:
        print("カードリーダーがありません / no card reader")
    else:
        print("\n".join(_reader_line(row) for row in rows))
    return 0


def _lacking(missing: list[str]) -> tuple[str, str]:
    from app.card.errors import application_name

    names = [application_name(app) for app in missing]
    return "、".join(ja for ja, _ in names), ", ".join(en for _, en in names)


def _reader_line(row: dict) -> str:
    what = {"my_number_card": "マイナンバーカード / My Number card", "unknown": "不明なカード / unknown card",
            None: "カードなし / no card" if not row["card_present"] else "確認中 / checking"}[row["card"]]
    if row["missing_applications"]:
        ja, en = _lacking(row["missing_applications"])
        what += f"（{ja}なし / without the {en}）"
    if row["error"]:
        what += f" — {row['error']['ja']} / {row['error']['en']}"
    return f"{row['reader']}\t{what}" + (f"\tATR {row['atr']}" if row["atr"] else "")


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
        raise UserError("カードリーダーが見つかりません / no card reader found", code=CARD_PROBLEM)
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
    from app.card import errors
    from app.card.protocol import check_pin_format

    pin = _read_pin(args)
    reader = args.reader
    try:
        if pin is not None:
            check_pin_format("input", pin)     # refused here: nothing reaches the card, no try used
        service = _start_service()
        try:
            names = _result(service.readers(), args.timeout)
            presence = _result(service.card_presence(), args.timeout) if not reader and len(names) > 1 else {}
            reader = _choose_reader(args.reader, names, presence)
            _result(service.select_reader(reader), args.timeout)
            readout = _read_when_ready(service, pin, args.timeout)
        finally:
            pin = None
            _stop_service(service)
    except errors.CardError as exc:
        raise _card_failure(args, reader, exc) from None
    data = {"reader": reader, "card": "my_number_card", **readout.to_json(show_number=args.show_number)}
    if args.json:
        import json

        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(_readout_text(data))
    return 1 if readout.items_error else 0


def _read_when_ready(service, pin: str | None, timeout: float):
    """Read the card, waiting up to ``timeout`` seconds while there is no card yet, the card was
    moved, pcscd restarts or the reader is replugged; each reader event tries again at once."""
    import threading
    import time

    from app.card import errors

    changed = threading.Event()
    service.add_listener(lambda _event: changed.set())
    deadline = time.monotonic() + timeout
    said: type | None = None
    while True:
        changed.clear()
        try:
            return _result(service.read_card(pin), max(deadline - time.monotonic(), 0) + 5)
        except (errors.NoCard, errors.CardConnectionLost, errors.ServiceUnavailable, errors.ReaderGone) as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            if type(exc) is not said:
                said = type(exc)
                print(f"madoguchi: {exc.ja} / {exc.en} (waiting up to {left:.0f} s)", file=sys.stderr, flush=True)
            changed.wait(min(left, 1.0))      # the next reader event, or another look in a second


def _readout_text(data: dict) -> str:
    from app.card.errors import secret_name

    lines = [f"リーダー / reader: {data['reader']}"]
    if data["missing_applications"]:
        ja, en = _lacking(data["missing_applications"])
        lines.append(f"このカードにないもの / not on this card: {ja} / {en}")
    lines.append("残り回数 / tries left:")
    for secret, left in data["tries_left"].items():
        ja, en = secret_name(secret)
        shown = "—" if left is None else f"{left}/{data['max_tries'][secret]}" + (" ロック / LOCKED" if left == 0 else "")
        lines.append(f"  {ja} / {en}: {shown}")
    items = data.get("items")
    if items:
        lines.append(f"氏名 / name: {items['name']}")
        lines.append(f"住所 / address: {items['address']}")
        lines.append(f"生年月日 / birth date: {items['birth_date']}")
        lines.append(f"性別 / sex: {({'1': '男 / male', '2': '女 / female', '9': '適用不能 / n/a'})[items['sex']]}")
        lines.append(f"個人番号 / My Number: {data['my_number']}")
    if data.get("items_error"):
        lines.append(f"券面事項 / card items: {data['items_error']['ja']} / {data['items_error']['en']}")
    cert = data["certificates"].get("auth")
    if cert:
        lines.append(f"利用者証明用電子証明書 / authentication certificate: {cert['subject']}")
        lines.append(f"  有効期間 / valid: {cert['not_before']} – {cert['not_after']}"
                     + ("" if cert["valid_now"] else "  期限外 / NOT VALID NOW"))
        lines.append(f"  発行者 / issuer: {cert['issuer']}  シリアル / serial: {cert['serial']}")
    return "\n".join(lines)
