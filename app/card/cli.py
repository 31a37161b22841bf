"""Sub-commands for the card (office IT staff, trainers, tests): ``card emulator`` attaches the
test card to vpcd. Diagnostics (``card readers``, ``card read``) are added here too.

Never prints a PIN; the My Number only masked unless asked for.
"""

from __future__ import annotations

import argparse
import signal
import sys

from app.cli import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="My Number card: test card emulator, reader diagnostics")
    csub = p.add_subparsers(dest="card_command", required=True, metavar="ACTION")

    emu = csub.add_parser("emulator", help="attach a test card (card file) to vpcd until stopped")
    emu.add_argument("--card", required=True, help="the test card's card file")
    emu.add_argument("--port", type=int, default=35963, help="vpcd port of the reader slot (default 35963)")
    emu.add_argument("--host", default="127.0.0.1", help="host where vpcd listens (default 127.0.0.1)")
    emu.add_argument("--control", help="Unix socket for the test-only control channel (PIN reset etc.)")
    emu.set_defaults(func=_emulator)


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
