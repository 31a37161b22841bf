"""A private PC/SC stack for tests and training: our own ``pcscd -f`` with vpcd readers, and the
test card inserted into and removed from them (the training card tray uses this too).

Isolation. pcsc-lite 1.9.9's *client* library honours ``PCSCLITE_CSOCK_NAME`` but its *daemon*
does not (it always binds ``/run/pcscd/pcscd.comm`` and writes ``/run/pcscd/pcscd.pid``). So the
daemon runs in a private mount namespace (``unshare --mount``, or ``unshare -rm`` when not root)
where our own folder is bind-mounted on ``/run/pcscd``, and where the USB driver folder is hidden
so it never grabs a real reader from the system's pcscd. Its own ``reader.conf`` gives vpcd a
free port pair. Clients reach it by ``PCSCLITE_CSOCK_NAME=<folder>/pcscd.comm``. Parallel test
runs and a system pcscd never collide.

``PCSCLITE_CSOCK_NAME`` is read once per process by libpcsclite (on the first PC/SC call):
call :meth:`PcscStack.use_in_this_process` before anything touches PC/SC.

Synchronisation. A card connected to vpcd is not yet a card pcscd knows: pcscd polls vpcd every
400 ms, then powers the card and publishes it. So :meth:`PcscStack.insert`, :meth:`~PcscStack.remove`,
:meth:`~PcscStack.reinsert` and a pcscd restart return only once pcscd itself reports the new reader
state (``SCardGetStatusChange`` from this process, which is why it must use this stack). Whoever
runs next — a test, the window, a ``madoguchi card`` command — sees the card as the tray left it.
Nothing here waits on time.

pcscd is never started with ``-a`` unless asked: its APDU log would show PINs (VERIFY data).
This module must not import Qt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from app.card.emulator import VpcdCardEmulator, control_call
from app.errors import MadoguchiError

log = logging.getLogger(__name__)

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
USB_DRIVER_DIR = Path("/usr/lib/pcsc/drivers")
READER_BASE_NAME = "Virtual PCD"
SLOTS = 2   # vpcd gives two readers per reader.conf entry: port and port + 1


class StackError(MadoguchiError, RuntimeError):
    """The private PC/SC stack cannot start; the message says what is missing."""

    code = "card.stack"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def find_free_port_pair(start: int | None = None) -> int:
    """A port p with p and p + 1 free (vpcd listens on both)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("0.0.0.0", 0))
            port = sock.getsockname()[1]
        if port < 65000 and _port_free(port) and _port_free(port + 1):
            return port
    raise StackError("no free TCP port pair for vpcd")


def reader_name(slot: int) -> str:
    return f"{READER_BASE_NAME} 00 {slot:02d}"


class PcscStack:
    """Our own pcscd with two vpcd readers, and test cards to put in them.

    >>> stack = PcscStack().start(); stack.use_in_this_process()
    >>> stack.insert("card.json")          # slot 0 → reader "Virtual PCD 00 00"
    >>> stack.remove()
    >>> stack.stop()
    """

    def __init__(self, workdir: str | os.PathLike[str] | None = None, *, log_path: str | os.PathLike[str] | None = None,
                 apdu_log: bool = False, debug: bool = False):
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="madoguchi-pcsc-"))
        self.log_path = Path(log_path) if log_path else self.workdir / "pcscd.log"
        self.apdu_log, self.debug = apdu_log, debug
        self.port = 0
        self.readers_plugged = True
        self._proc: subprocess.Popen | None = None
        self._log_handle = None
        self._cards: dict[int, VpcdCardEmulator] = {}
        self._lock = threading.RLock()

    # -- paths ----------------------------------------------------------------------------------
    @property
    def socket_path(self) -> Path:
        return self.workdir / "run" / "pcscd.comm"

    def client_env(self) -> dict[str, str]:
        """Environment a PC/SC client process needs to talk to this stack."""
        return {"PCSCLITE_CSOCK_NAME": str(self.socket_path)}

    def use_in_this_process(self) -> None:
        """Point this process's libpcsclite at our pcscd (before its first PC/SC call)."""
        os.environ.update(self.client_env())

    def reader_names(self) -> list[str]:
        return [reader_name(slot) for slot in range(SLOTS)]

    def slot_port(self, slot: int) -> int:
        return self.port + slot

    def control_path(self, slot: int) -> Path:
        return self.workdir / f"card{slot}.control"

    # -- pcscd ----------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "PcscStack":
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return self
            for tool in ("pcscd", "unshare"):
                if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
                    raise StackError(f"{tool} is not installed (Debian package "
                                     f"{'pcscd' if tool == 'pcscd' else 'util-linux'})")
            if not VPCD_DRIVER.exists():
                raise StackError(f"the vpcd driver {VPCD_DRIVER} is missing (Debian package vsmartcard-vpcd)")
            if not self.port:
                self.port = find_free_port_pair()
            (self.workdir / "run").mkdir(parents=True, exist_ok=True)
            (self.workdir / "no-usb-drivers").mkdir(exist_ok=True)
            driver = self.workdir / "libifdvpcd.so"
            if not driver.exists():
                shutil.copy2(VPCD_DRIVER, driver)
            conf = self.workdir / "reader.conf"
            conf.write_text(
                f'FRIENDLYNAME "{READER_BASE_NAME}"\n'
                f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
                f"LIBPATH      {driver}\n"
                f"CHANNELID    0x{self.port:04X}\n"
                if self.readers_plugged else "# readers unplugged\n"
            )
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
            self._spawn(conf)
            self._wait_for_socket(timeout)
        return self

    def _spawn(self, conf: Path) -> None:
        flags = ["-f", "-c", str(conf)]
        if self.debug:
            flags.append("-d")
        if self.apdu_log:
            flags.append("-a")
        run = self.workdir / "run"
        script = (
            "set -e\n"
            "if [ ! -d /run/pcscd ]; then mkdir -p /run/pcscd 2>/dev/null || "
            "{ mount -t tmpfs tmpfs /run && mkdir -p /run/pcscd; }; fi\n"
            f"mount --bind '{run}' /run/pcscd\n"
            f"if [ -d '{USB_DRIVER_DIR}' ]; then mount --bind '{self.workdir / 'no-usb-drivers'}' "
            f"'{USB_DRIVER_DIR}'; fi\n"
            f"exec pcscd {' '.join(flags)}\n"
        )
        unshare = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            unshare = ["unshare", "--map-root-user", "--mount", "--propagation", "private"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_handle = open(self.log_path, "ab")
        env = {k: v for k, v in os.environ.items() if k != "PCSCLITE_CSOCK_NAME"}
        env["PATH"] = env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        # setpriv --pdeathsig: pcscd gets SIGTERM when the thread that started it ends, so a killed
        # test run or app never leaves its pcscd behind. The keeper thread that starts it lives
        # exactly as long as pcscd (it waits for it), whoever calls start().
        command = [*unshare, "sh", "-c", script]
        if shutil.which("setpriv"):
            command = ["setpriv", "--pdeathsig", "TERM", *command]
        started: dict[str, object] = {}
        ready = threading.Event()

        def keeper() -> None:
            try:
                proc = subprocess.Popen(command, stdout=self._log_handle, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env, start_new_session=True)
            except OSError as exc:
                started["error"] = exc
                ready.set()
                return
            started["proc"] = proc
            ready.set()
            proc.wait()

        threading.Thread(target=keeper, name="pcscd-keeper", daemon=True).start()
        ready.wait()
        if "error" in started:
            raise StackError(f"cannot start pcscd: {started['error']}")
        self._proc = started["proc"]  # type: ignore[assignment]

    def _wait_for_socket(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise StackError(f"pcscd exited at start (status {self._proc.returncode}); "
                                 f"see {self.log_path}: {self._log_tail()}")
            if self.socket_path.exists():
                return
            time.sleep(0.02)
        raise StackError(f"pcscd did not open {self.socket_path} in {timeout:.0f} s; see {self.log_path}")

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-600:]
        return ""

    @property
    def pcscd_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop_pcscd(self) -> None:
        """Stop the daemon (cards stay "inserted" and reconnect when it comes back)."""
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if self._log_handle is not None:
                self._log_handle.close()
                self._log_handle = None

    def restart_pcscd(self, timeout: float = 10.0) -> None:
        """Stop and start pcscd; returns once the cards still in the tray are back in its readers
        (each card reconnects to vpcd by itself)."""
        with self._lock:
            self.stop_pcscd()
            self.start(timeout)
            if self.readers_plugged:
                for slot, card in self._cards.items():
                    if not card.pulled:
                        self.wait_for_reader(slot, present=True, timeout=timeout)

    def unplug_readers(self) -> None:
        """Take the vpcd readers away (as if the USB reader were pulled). pcsc-lite 1.9.9 does not
        re-read reader.conf at run time, so this restarts pcscd without them."""
        self.readers_plugged = False
        self.restart_pcscd()

    def plug_readers(self) -> None:
        self.readers_plugged = True
        self.restart_pcscd()

    def stop(self) -> None:
        """Remove every card, stop pcscd and delete the working folder if it was ours."""
        with self._lock:
            for slot in list(self._cards):
                self.remove(slot)
            self.stop_pcscd()
            if self._own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "PcscStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the card tray --------------------------------------------------------------------------
    def insert(self, card_file: str | os.PathLike[str], slot: int = 0, *, wait: float = 10.0) -> VpcdCardEmulator:
        """Put a test card into reader ``slot`` (removing any card already there); returns once
        pcscd reports the card in that reader (:class:`StackError` after ``wait`` seconds)."""
        if not 0 <= slot < SLOTS:
            raise ValueError(f"slot must be 0..{SLOTS - 1}")
        with self._lock:
            self.remove(slot, wait=wait)
            card = VpcdCardEmulator(card_file, port=self.slot_port(slot), control_path=self.control_path(slot))
            self._cards[slot] = card
            card.start(wait=None)
            if not (self.pcscd_running and self.readers_plugged):
                return card                 # pcscd finds it when it starts or the readers return
            try:
                self.wait_for_reader(slot, present=True, timeout=wait)
            except StackError:
                self.remove(slot, wait=wait)
                raise
            return card

    def remove(self, slot: int = 0, *, wait: float = 10.0) -> None:
        """Pull the card out of reader ``slot`` (nothing happens if it is empty); returns once
        pcscd reports the reader empty, so a card put in next is seen as a new card."""
        with self._lock:
            card = self._cards.pop(slot, None)
            if card is None:
                return
            card.stop()
            if self.pcscd_running and self.readers_plugged:
                self.wait_for_reader(slot, present=False, timeout=wait)

    def reinsert(self, slot: int = 0, *, wait: float = 10.0) -> None:
        """Put back the card that :meth:`VpcdCardEmulator.pull_at_apdu` pulled: waits until pcscd
        has seen it go, then until it sees it again."""
        with self._lock:
            card = self._cards[slot]
            self.wait_for_reader(slot, present=False, timeout=wait)
            card.reinsert(wait=wait)
            self.wait_for_reader(slot, present=True, timeout=wait)

    def wait_for_reader(self, slot: int, *, present: bool, timeout: float = 10.0) -> None:
        """Block until pcscd reports reader ``slot`` with a card (``present``) or empty: the
        reader event itself (``SCardGetStatusChange``), through this process's PC/SC client."""
        from smartcard import scard

        if os.environ.get("PCSCLITE_CSOCK_NAME") != str(self.socket_path):
            raise StackError("this process's PC/SC client does not use this stack: call "
                             "use_in_this_process() before any PC/SC call")
        name = reader_name(slot)
        wanted = scard.SCARD_STATE_PRESENT if present else scard.SCARD_STATE_EMPTY
        deadline = time.monotonic() + timeout
        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            raise StackError(f"pcscd does not answer: {scard.SCardGetErrorMessage(hr)}")
        try:
            known = scard.SCARD_STATE_UNAWARE
            while True:
                left_ms = int((deadline - time.monotonic()) * 1000)
                if left_ms <= 0:
                    raise StackError(f"pcscd did not report {name} {'with a card' if present else 'empty'} "
                                     f"within {timeout:.0f} s; see {self.log_path}")
                hr, states = scard.SCardGetStatusChange(ctx, left_ms, [(name, known)])
                if hr == scard.SCARD_E_TIMEOUT:
                    continue
                if hr != scard.SCARD_S_SUCCESS:
                    raise StackError(f"waiting for {name}: {scard.SCardGetErrorMessage(hr)}")
                _name, event_state, _atr = states[0]
                if event_state & scard.SCARD_STATE_UNKNOWN:
                    raise StackError(f"pcscd has no reader {name}")
                if event_state & wanted:
                    return
                known = event_state & ~scard.SCARD_STATE_CHANGED
        finally:
            scard.SCardReleaseContext(ctx)

    def card(self, slot: int = 0) -> VpcdCardEmulator | None:
        return self._cards.get(slot)

    def inserted_card_file(self, slot: int = 0) -> Path | None:
        card = self._cards.get(slot)
        return card.card_file if card else None

    def control(self, slot: int, request: dict) -> dict:
        return control_call(self.control_path(slot), request)


_training_stack: PcscStack | None = None
_training_lock = threading.Lock()


def _training_workdir() -> Path:
    return Path(tempfile.gettempdir()) / f"madoguchi-training-pcsc-{os.getpid()}"


def point_at_training_stack() -> None:
    """Training mode, at start-up, BEFORE any PC/SC call (before ``ReaderService.start()``): point
    this process's PC/SC client at the training stack's socket. libpcsclite reads the variable
    once per process; the reader service reports "no service" until :func:`training_stack` has
    started pcscd, then connects by itself."""
    os.environ["PCSCLITE_CSOCK_NAME"] = str(_training_workdir() / "run" / "pcscd.comm")


def training_stack() -> PcscStack:
    """The process-wide stack of training mode (研修モード), started on first use (any thread;
    takes about a second — call it off the GUI thread).

    The reader service sees the training tray's readers exactly as it would see a USB reader.
    """
    global _training_stack
    with _training_lock:
        if _training_stack is None:
            from app.paths import data_dir

            point_at_training_stack()
            stack = PcscStack(_training_workdir(), log_path=data_dir() / "training" / "pcscd.log")
            stack._own_workdir = True
            stack.start()
            _training_stack = stack
        return _training_stack


def stop_training_stack() -> None:
    global _training_stack
    with _training_lock:
        if _training_stack is not None:
            _training_stack.stop()
            _training_stack = None
