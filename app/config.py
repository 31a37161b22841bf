"""Office configuration of this terminal: office and municipality, terminal id, central server
address (never a password: that lives in the OS keyring through ``madoguchi server login``),
default reader, language.

Two layers, both JSON, merged over the built-in defaults:

* the **terminal** file (``system``), written by office IT staff at install time for every user of
  the machine: ``/etc/madoguchi/config.json`` on Linux, ``%PROGRAMDATA%\\madoguchi\\config.json`` on
  Windows;
* the **user** file in the platform's per-user config directory (``app.paths.config_dir``), which
  overrides single keys.

Each file holds only the keys set at its level, so a change IT makes to the terminal file reaches
every user who did not override that key. :data:`FIELDS` describes every key (labels, help and a
parser that validates) so the first-run dialog of the UI and ``madoguchi config`` share one set of
rules and one set of messages (ja and en). Secrets never go here; a value that looks like one
(a password in a server address) is refused.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

from app.errors import MadoguchiError
from app.paths import config_dir

#: scope names, lowest precedence first (the defaults come before both)
SCOPES = ("system", "user")


class ConfigError(MadoguchiError):
    """A configuration value or file that cannot be used, worded for IT staff (ja / en)."""

    code = "config.invalid"

    def __init__(self, ja: str, en: str, key: str | None = None, path: Path | None = None):
        super().__init__(ja, en)
        self.key, self.path = key, path


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found by :meth:`OfficeConfig.problems`: which key, and what to do (ja, en)."""

    key: str
    ja: str
    en: str

    def __str__(self) -> str:
        return f"{self.key}: {self.ja} / {self.en}"


@dataclass
class OfficeConfig:
    municipality_name: str = "研修市"           # 市区町村名
    municipality_code: str = "999999"         # 全国地方公共団体コード (6 digits)
    mayor_title: str = "研修市長"               # 認証文の首長名
    office_name: str = "本庁 市民課"
    office_code: str = "00"
    terminal_id: str = "T001"
    server_host: str = ""                     # central PostgreSQL host (no password here)
    server_port: int = 5432
    server_db: str = "madoguchi"
    server_user: str = ""
    default_reader: str = ""
    language: str = "ja"

    # ---- files ------------------------------------------------------------------------------

    @classmethod
    def path(cls) -> Path:
        """The user's configuration file."""
        return config_dir() / "config.json"

    @classmethod
    def system_path(cls) -> Path:
        """The terminal-wide configuration file written by IT staff (see the module docstring)."""
        return system_config_dir() / "config.json"

    @classmethod
    def scope_path(cls, scope: str) -> Path:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}")
        return cls.system_path() if scope == "system" else cls.path()

    @classmethod
    def load(cls) -> "OfficeConfig":
        """Defaults, then the terminal file, then the user file. A damaged file or a bad value
        raises :class:`ConfigError` naming the file, never a traceback of json."""
        values: dict[str, Any] = {}
        sources = {f.name: "default" for f in fields(cls)}
        for scope in SCOPES:
            layer = read_layer(cls.scope_path(scope))
            values.update(layer)
            sources.update({k: scope for k in layer})
        config = cls(**values)
        config._sources = sources
        config._loaded = asdict(config)
        return config

    def source(self, key: str) -> str:
        """Where the value of ``key`` came from: ``default``, ``system`` or ``user``."""
        return getattr(self, "_sources", {}).get(key, "default")

    def save(self, scope: str = "user") -> Path:
        """Write this level's file atomically: the keys it already held and the keys changed
        since :meth:`load` (for a config not loaded: every key that differs from the defaults).
        A key equal to what the lower levels give is left out, so the file keeps meaning "what was
        set here", and a key set at another level is never copied into this one."""
        problems = self.problems()
        if problems:
            first = problems[0]
            raise ConfigError(first.ja, first.en, first.key)
        below: dict[str, Any] = asdict(OfficeConfig())
        for lower in SCOPES[: SCOPES.index(scope)]:
            below.update(read_layer(self.scope_path(lower)))
        current = asdict(self)
        reference = getattr(self, "_loaded", None) or asdict(OfficeConfig())
        layer = read_layer(self.scope_path(scope))
        layer.update({k: v for k, v in current.items() if v != reference.get(k)})
        mine = {k: current[k] for k in layer if current[k] != below.get(k)}
        # keys this version does not know (written by a newer one) stay as they were
        mine.update({k: v for k, v in _read_json(self.scope_path(scope)).items()
                     if k not in _FIELD_INDEX})
        path = self.scope_path(scope)
        tmp = path.with_name(path.name + ".tmp")
        try:
            data = (json.dumps(mine, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        except UnicodeEncodeError as exc:       # text that came in as invalid UTF-8
            raise ConfigError("設定値に UTF-8 でない文字が含まれています。",
                              "a value is not valid UTF-8 text.") from exc
        try:
            new_folder = not path.parent.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            if scope == "system" and new_folder:
                os.chmod(path.parent, 0o755)
            try:
                tmp.write_bytes(data)
                if scope == "system":
                    # every account of the terminal reads it (no secrets in it: the process's
                    # umask makes everything else private, see app.store.modes)
                    os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)       # nothing half-written is left behind
        except PermissionError as exc:
            raise ConfigError(
                f"{path} に書き込む権限がありません。端末の設定は管理者（root / Administrator）で変更してください。",
                f"no permission to write {path}: change the terminal's configuration as "
                "administrator (root, e.g. with sudo, or an elevated prompt on Windows).") from exc
        except OSError as exc:
            raise ConfigError(f"{path} に書き込めません（{exc.strerror}）。",
                              f"cannot write {path} ({exc.strerror}).") from exc
        self._sources = {**getattr(self, "_sources", {}), **{k: scope for k in mine}}
        self._loaded = current
        return path

    # ---- values -----------------------------------------------------------------------------

    def set_value(self, key: str, text: str) -> None:
        """Parse and check ``text`` for ``key`` (or the ``server`` shorthand) and set it; raises
        :class:`ConfigError` with a message for IT staff, leaving the config unchanged."""
        if key == SERVER_SHORTHAND:
            for k, v in parse_server_address(text).items():
                setattr(self, k, v)
            return
        field_ = field_by_key(key)
        setattr(self, key, field_.parse(text))

    def problems(self) -> list["ConfigProblem"]:
        """Every value that breaks its rule (empty list: usable)."""
        out = []
        for f in FIELDS:
            try:
                f.parse(str(getattr(self, f.key)))
            except ConfigError as exc:
                out.append(ConfigProblem(f.key, exc.ja, exc.en))
        return out

    @property
    def server_address(self) -> str:
        """``host:port/db`` as IT staff write it, or empty when the terminal runs standalone."""
        if not self.server_host:
            return ""
        host = f"[{self.server_host}]" if ":" in self.server_host else self.server_host
        return f"{host}:{self.server_port}/{self.server_db}"


def system_config_dir() -> Path:
    """Folder of the terminal-wide file. ``MADOGUCHI_HOME`` (tests) moves it like the user dirs;
    ``MADOGUCHI_SYSTEM_CONFIG_DIR`` points it elsewhere (e.g. an image being prepared)."""
    explicit = os.environ.get("MADOGUCHI_SYSTEM_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    home = os.environ.get("MADOGUCHI_HOME")
    if home:
        return Path(home) / "system-config"
    if sys.platform.startswith("linux"):
        return Path("/etc/madoguchi")
    import platformdirs

    return Path(platformdirs.site_config_dir("madoguchi", appauthor=False))


def _read_json(path: Path) -> dict[str, Any]:
    """The raw JSON object of one file (``{}`` if there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"設定ファイル {path} を読めません（{exc.strerror}）。",
                          f"cannot read the configuration file {path} ({exc.strerror}).",
                          path=path) from exc
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise ConfigError(
            f"設定ファイル {path} が壊れています（{exc}）。`madoguchi config init` で作り直すか、ファイルを直してください。",
            f"the configuration file {path} is damaged ({exc}); recreate it with "
            "`madoguchi config init` or repair it.", path=path) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"設定ファイル {path} の形式が違います（JSON のオブジェクトではない）。",
                          f"the configuration file {path} is not a JSON object.", path=path)
    return data


def read_layer(path: Path) -> dict[str, Any]:
    """The known keys set in one file (``{}`` if there is none), each checked by its rule."""
    out = {}
    for key, value in _read_json(path).items():
        if key not in _FIELD_INDEX:
            continue  # a key of a newer version: kept in the file, ignored here
        try:
            out[key] = _FIELD_INDEX[key].parse(str(value))
        except ConfigError as exc:
            raise ConfigError(f"{path} の {key}: {exc.ja}", f"{path}, {key}: {exc.en}", key,
                              path=path) from exc
    return out


def needs_first_run() -> bool:
    """True when this terminal was never configured (neither file exists): the UI then shows its
    first-run dialog (built from :data:`FIELDS` with :data:`FIRST_RUN_KEYS`)."""
    return not (OfficeConfig.system_path().exists() or OfficeConfig.path().exists())


# ---- the rules of each key ------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(max_len: int, required: bool = True) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()
        if required and not value:
            raise ConfigError("空にはできません。", "must not be empty.")
        if len(value) > max_len:
            raise ConfigError(f"{max_len} 文字以内にしてください。", f"at most {max_len} characters.")
        if _CONTROL.search(value):
            raise ConfigError("制御文字は使えません。", "control characters are not allowed.")
        return value
    return parse


def _pattern(regex: str, ja: str, en: str, allow_empty: bool = False) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def parse(text: str) -> str:
        value = text.strip()
        if allow_empty and not value:
            return ""
        if not compiled.fullmatch(value):
            raise ConfigError(ja, en)
        return value
    return parse


#: 全国地方公共団体コード: 5 digits and a check digit (weights 6..2, modulus 11); 999999 is the
#: training municipality of the demo data.
TRAINING_MUNICIPALITY_CODE = "999999"


def municipality_check_digit(first_five: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2))) % 11
    return (11 - remainder) % 10


def _municipality_code(text: str) -> str:
    value = text.strip()
    if not re.fullmatch(r"[0-9]{6}", value):
        raise ConfigError("全国地方公共団体コードは 6 桁の数字です（例: 131016）。",
                          "the local government code has 6 digits (e.g. 131016).")
    if value != TRAINING_MUNICIPALITY_CODE and int(value[5]) != municipality_check_digit(value[:5]):
        raise ConfigError(
            f"検査数字が合いません（{value[:5]} の検査数字は {municipality_check_digit(value[:5])}）。",
            f"the check digit is wrong (for {value[:5]} it is {municipality_check_digit(value[:5])}).")
    return value


def _host(text: str) -> str:
    value = text.strip()
    if not value:
        return ""  # standalone terminal: no central server
    if "://" in value or "@" in value:
        raise ConfigError(
            "server_host にはホスト名だけを書きます。接続文字列は `madoguchi config set server ホスト:ポート/DB` で、"
            "パスワードは `madoguchi server login` で登録してください。",
            "server_host takes a host name only; give a full address with `madoguchi config set "
            "server HOST:PORT/DB`, and the password with `madoguchi server login`.")
    if value.startswith("/"):
        return value  # a Unix socket directory (a server on this machine)
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if not re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                        r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?", value):
        raise ConfigError(f"ホスト名として使えません: {value!r}（例: madoguchi-db.city.local, 10.0.0.5）",
                          f"not a host name: {value!r} (e.g. madoguchi-db.city.local, 10.0.0.5)")
    return value


def _port(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError("ポート番号は 1〜65535 の数字です（PostgreSQL の既定は 5432）。",
                          "the port is a number from 1 to 65535 (PostgreSQL's default is 5432).")
    return int(value)


def _language(text: str) -> str:
    value = text.strip().lower()
    if value not in LANGUAGES:
        raise ConfigError("言語は ja（日本語）か en（英語）です。", "the language is ja (Japanese) or en (English).")
    return value


LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class ConfigField:
    """One configuration key: labels and help for a form, and its parser (text → value, raises
    :class:`ConfigError`)."""

    key: str
    label_ja: str
    label_en: str
    help_ja: str
    help_en: str
    parse: Callable[[str], Any]
    choices: tuple[str, ...] = ()


FIELDS: tuple[ConfigField, ...] = (
    ConfigField("office_name", "窓口（庁舎・課）の名称", "Office name",
                "証明書と帳票に印字されます。例: 本庁 市民課、北支所", "Printed on certificates and slips.",
                _text(40)),
    ConfigField("terminal_id", "端末 ID", "Terminal id",
                "庁内で一意の端末番号（英数字・-・_、16 文字まで）。発行番号と監査記録に入ります。",
                "Unique in the municipality (letters, digits, - and _, up to 16); goes into issue "
                "numbers and the audit record.",
                _pattern(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}",
                         "端末 ID は英数字・-・_ の 16 文字までで、英数字で始めます（例: KITA-02）。",
                         "the terminal id has up to 16 letters, digits, - or _, starting with a "
                         "letter or digit (e.g. KITA-02).")),
    ConfigField("office_code", "窓口コード", "Office code", "発行番号に入る窓口の記号（英数字 8 文字まで）。",
                "The office's mark in issue numbers (up to 8 letters or digits).",
                _pattern(r"[0-9A-Za-z]{1,8}", "窓口コードは英数字 1〜8 文字です。",
                         "the office code has 1 to 8 letters or digits.")),
    ConfigField("municipality_name", "市区町村名", "Municipality", "例: 北区", "e.g. Kita City",
                _text(40)),
    ConfigField("municipality_code", "全国地方公共団体コード", "Local government code",
                "6 桁（検査数字を含む）。999999 は研修用。", "6 digits with the check digit; 999999 is "
                "the training municipality.", _municipality_code),
    ConfigField("mayor_title", "認証文の首長名", "Mayor's title (certification)", "例: 北区長",
                "As printed in the certification text.", _text(40)),
    ConfigField("server_host", "中央サーバー（ホスト）", "Central server host",
                "空欄なら同期しない単独端末。パスワードはここには書かず `madoguchi server login` で登録します。",
                "Empty: a standalone terminal that does not sync. The password is never written "
                "here: use `madoguchi server login`.", _host),
    ConfigField("server_port", "中央サーバー（ポート）", "Central server port", "PostgreSQL の既定は 5432。",
                "PostgreSQL's default is 5432.", _port),
    ConfigField("server_db", "中央サーバー（データベース名）", "Central database name", "既定: madoguchi",
                "Default: madoguchi",
                _pattern(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}", "データベース名は英字か _ で始まる 63 文字までの名前です。",
                         "the database name starts with a letter or _ and has up to 63 characters.")),
    ConfigField("server_user", "中央サーバー（ログイン名）", "Central server login",
                "この端末が同期に使うロール名。", "The role this terminal syncs as.",
                _pattern(r"[A-Za-z_][A-Za-z0-9_.-]{0,62}",
                         "ログイン名は英字か _ で始まる 63 文字までの名前です。",
                         "the login starts with a letter or _ and has up to 63 characters.",
                         allow_empty=True)),
    ConfigField("default_reader", "既定のカードリーダー", "Default card reader",
                "`madoguchi card readers` に表示される名前。空欄なら最初に見つかったリーダー。",
                "The name shown by `madoguchi card readers`; empty: the first reader found.",
                _text(200, required=False)),
    ConfigField("language", "表示言語", "Language", "ja（日本語）または en（英語）",
                "ja (Japanese) or en (English)", _language, choices=LANGUAGES),
)

_FIELD_INDEX = {f.key: f for f in FIELDS}

#: what the first-run dialog and `config init` ask for, in order (the rest keep their defaults)
FIRST_RUN_KEYS = ("office_name", "terminal_id", "server_host", "server_port", "server_db",
                  "server_user", "default_reader", "language")

#: ``madoguchi config set server HOST[:PORT][/DB]`` sets the three server keys at once
SERVER_SHORTHAND = "server"


def field_by_key(key: str) -> ConfigField:
    try:
        return _FIELD_INDEX[key]
    except KeyError:
        known = ", ".join([*_FIELD_INDEX, SERVER_SHORTHAND])
        raise ConfigError(f"設定項目 {key!r} はありません。使える項目: {known}",
                          f"there is no setting {key!r}; the settings are: {known}", key) from None


def parse_server_address(text: str) -> dict[str, Any]:
    """``HOST``, ``HOST:PORT``, ``HOST:PORT/DB``, ``[IPv6]:PORT/DB`` or
    ``postgresql://USER@HOST:PORT/DB`` → the server keys. A password anywhere is refused."""
    value = text.strip()
    if not value:
        return {"server_host": ""}
    out: dict[str, Any] = {}
    m = re.fullmatch(r"(?:postgres(?:ql)?://)?(?:(?P<userinfo>[^@/]*)@)?"
                     r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:/\[\]]+))"
                     r"(?::(?P<port>[^/]*))?(?:/(?P<db>[^?]*))?", value)
    if not m:
        raise ConfigError(f"サーバーの指定が読めません: {value!r}（例: madoguchi-db.city.local:5432/madoguchi）",
                          f"cannot read the server address {value!r} (e.g. "
                          "madoguchi-db.city.local:5432/madoguchi)", SERVER_SHORTHAND)
    userinfo = m.group("userinfo")
    if userinfo is not None:
        if ":" in userinfo:
            raise ConfigError(
                "パスワードは設定ファイルに保存しません。`madoguchi server login` で OS のキーリングに登録してください。",
                "passwords are never stored in the configuration: use `madoguchi server login`, "
                "which keeps it in the OS keyring.", SERVER_SHORTHAND)
        out["server_user"] = field_by_key("server_user").parse(userinfo)
    out["server_host"] = _host(m.group("v6") or m.group("host"))
    if m.group("port"):
        out["server_port"] = _port(m.group("port"))
    if m.group("db"):
        out["server_db"] = field_by_key("server_db").parse(m.group("db"))
    return out
