"""Where this terminal's central server is and how to log in: the sync target (host, port,
database, login role, terminal id — from the office configuration, never a password), the
password in the OS keyring (``madoguchi server login``), and connection errors turned into plain
words for the clerk's status line and for IT staff.

Must not write a password to a file, the store or a log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keyring
import keyring.errors
import psycopg

from app.config import OfficeConfig
from app.errors import UserError

log = logging.getLogger(__name__)

#: keyring service name under which the database passwords are kept
KEYRING_SERVICE = "madoguchi-sync"


# exit codes of `madoguchi sync`
EXIT_OK = 0
EXIT_CONFIG = 2        # not configured / standalone / wrong store
EXIT_OFFLINE = 3       # server unreachable or connection cut: try again later
EXIT_AUTH = 4          # password missing or refused
EXIT_REFUSED = 5       # the server refused data (a rule of the central database)

_SYNC_CODES = {EXIT_CONFIG: "sync.config", EXIT_OFFLINE: "sync.offline", EXIT_AUTH: "sync.auth",
               EXIT_REFUSED: "sync.refused"}


class SyncError(UserError):
    """A sync problem worded for the person at the terminal. The second argument is the CLI exit
    status (``exit_status``); ``code`` names the kind (``sync.offline``, ``sync.auth``...)."""

    def __init__(self, message: str, exit_status: int = EXIT_OFFLINE):
        super().__init__(message, _SYNC_CODES.get(exit_status, "sync.error"), exit_status=exit_status)


@dataclass(frozen=True)
class SyncTarget:
    host: str            # host name, IP address, or a Unix socket directory
    port: int
    dbname: str
    user: str
    terminal_id: str

    @classmethod
    def from_config(cls, config: OfficeConfig | None = None) -> "SyncTarget":
        c = config or OfficeConfig.load()
        return cls(c.server_host, int(c.server_port), c.server_db, c.server_user, c.terminal_id)

    @property
    def configured(self) -> bool:
        return bool(self.host and self.user and self.dbname and self.terminal_id)

    @property
    def account(self) -> str:
        """The keyring account name: which login on which server."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"


def save_password(target: SyncTarget, password: str) -> None:
    try:
        keyring.set_password(KEYRING_SERVICE, target.account, password)
    except keyring.errors.KeyringError as exc:
        raise SyncError(
            "OS のキーリングにパスワードを保存できません。キーリング（gnome-keyring など）が動いているか確認してください。"
            f" / Cannot store the password in the OS keyring ({type(exc).__name__}): check that a "
            "keyring service (e.g. gnome-keyring) is running and unlocked.", EXIT_CONFIG) from exc


def load_password(target: SyncTarget) -> str | None:
    """The terminal's system credential when this process is the sync account
    (app.sync.credential), else the password in the user's OS keyring."""
    # pwd and the system credential only when a password is needed
    from app.sync import credential

    system = credential.load()
    if system is not None:
        return system
    try:
        return keyring.get_password(KEYRING_SERVICE, target.account)
    except keyring.errors.KeyringError as exc:
        raise SyncError(
            "OS のキーリングを読めません。キーリングが動いてロック解除されているか確認してください。"
            f" / Cannot read the OS keyring ({type(exc).__name__}): check that it is running and "
            "unlocked.", EXIT_CONFIG) from exc


def conninfo(target: SyncTarget, password: str) -> str:
    return psycopg.conninfo.make_conninfo(
        host=target.host, port=str(target.port), dbname=target.dbname, user=target.user,
        password=password, connect_timeout="5", application_name=f"madoguchi-{target.terminal_id}",
        keepalives="1", keepalives_idle="10", keepalives_interval="5", keepalives_count="3",
    )


def connect(target: SyncTarget, password: str | None = None) -> psycopg.Connection:
    """Open a connection as the terminal's role; the password comes from the keyring."""
    if not target.configured:
        raise SyncError(
            "中央サーバーが設定されていません（server_host, server_user, terminal_id）。"
            " / The central server is not configured (server_host, server_user, terminal_id in the "
            "office configuration).", EXIT_CONFIG)
    if password is None:
        password = load_password(target)
    if password is None:
        raise SyncError(
            f"{target.account} のパスワードがキーリングにありません。`madoguchi server login` を実行してください。"
            f" / No password for {target.account} in the keyring: run `madoguchi server login`.",
            EXIT_AUTH)
    try:
        conn = psycopg.connect(conninfo(target, password), autocommit=True)
    except psycopg.OperationalError as exc:
        raise plain_error(exc) from exc
    conn.execute("SET statement_timeout = '120s'")
    return conn


def plain_error(exc: BaseException) -> SyncError:
    """A psycopg/OS error as a sentence for the status line (details go to the log)."""
    log.warning("sync connection problem: %s", exc)
    text = str(exc)
    if isinstance(exc, SyncError):
        return exc
    # push (and its tables) only to word an error
    from app.sync.push import QuarantinedError

    if isinstance(exc, QuarantinedError):
        return SyncError(str(exc), EXIT_REFUSED)
    if "password authentication failed" in text or "no password supplied" in text:
        return SyncError("中央サーバーがパスワードを受け付けませんでした。`madoguchi server login` でやり直してください。"
                         " / The central server refused the password: log in again with "
                         "`madoguchi server login`.", EXIT_AUTH)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege) or "permission denied" in text \
            or "row-level security" in text:
        return SyncError("中央サーバーがこの端末からのデータを拒否しました（権限）。IT 担当に連絡してください。"
                         " / The central server refused this terminal's data (not allowed for this "
                         f"terminal): call IT staff. ({_first_line(text)})", EXIT_REFUSED)
    if isinstance(exc, (psycopg.errors.IntegrityError, psycopg.errors.RaiseException)):
        return SyncError("中央サーバーがデータを拒否しました。IT 担当に連絡してください。"
                         f" / The central server refused data: {_first_line(text)}", EXIT_REFUSED)
    return SyncError("中央サーバーに接続できません（ネットワークかサーバーの問題）。この端末はこのまま使えます。"
                     "後でもう一度同期します。 / Cannot reach the central server (network or server "
                     "down). This terminal keeps working; the sync will be tried again.", EXIT_OFFLINE)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
